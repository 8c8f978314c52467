import { PrefplayError } from '@prefplay/core';
import type * as tf from '@tensorflow/tfjs-core';

/** The parts of `@tensorflow/tfjs-backend-wasm`'s `BackendWasm` the kernels use (structural, no import). */
export type WasmBackendLike = {
  readonly wasm: {
    /** tfjs-wasm's C++ tensor registry: disposing an id also drops the operators cached for it. */
    readonly tfjs: {
      disposeData(id: number): void;
      registerTensor(id: number, size: number, memoryOffset: number): void;
    };
    readonly asm?: { readonly memory?: WebAssembly.Memory };
    readonly wasmMemory?: WebAssembly.Memory;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
  };
  readonly dataIdMap: {
    get(
      dataId: object,
    ):
      | { readonly id: number; readonly memoryOffset: number; readonly refCount: number; readonly shape: number[] }
      | undefined;
  };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
};

type Fn = (...args: number[]) => number;

/** The C functions of csrc/ (every pointer a byte offset into tfjs's memory, every stride in floats). */
export type KernelExports = {
  readonly __stack_pointer: WebAssembly.Global;
  readonly sgemm: Fn;
  readonly sgemm_scratch_floats: Fn;
  readonly column_sum: Fn;
  readonly attention_forward: Fn;
  readonly attention_forward_scratch_floats: Fn;
  readonly attention_backward: Fn;
  readonly attention_backward_scratch_floats: Fn;
  readonly copy_rows: Fn;
  readonly layer_norm_forward: Fn;
  readonly layer_norm_backward: Fn;
  readonly gelu_forward: Fn;
  readonly gelu_backward: Fn;
  readonly token_logp_forward: Fn;
  readonly token_logp_backward: Fn;
  readonly adam_update: Fn;
  readonly embedding_forward: Fn;
  readonly scatter_add_rows: Fn;
  readonly add_forward: Fn;
};

export type SimdVariant = 'plain' | 'relaxed';

const stackBytes = 1 << 16;
const file = 'packages/backend-wasm-kernels/src/kernel-instance.ts';

/**
 * One instantiation of the kernel module on one tfjs wasm backend: its exports, a shadow stack and a
 * scratch arena allocated from tfjs's heap, and helpers to find tensors' memory.
 */
export class KernelInstance {
  private scratchPointer = 0;
  private scratchBytes = 0;
  private readonly stackPointer: number;

  constructor(
    readonly backend: WasmBackendLike,
    readonly memory: WebAssembly.Memory,
    readonly exports: KernelExports,
    readonly simd: SimdVariant,
  ) {
    this.stackPointer = backend.wasm._malloc(stackBytes + 16);
    // The stack grows down from the (16-byte aligned) top of the block.
    exports.__stack_pointer.value = (this.stackPointer + stackBytes) & ~15;
  }

  /** Frees the stack and scratch (the instance must not be used afterwards). */
  release(): void {
    this.backend.wasm._free(this.stackPointer);
    if (this.scratchPointer) this.backend.wasm._free(this.scratchPointer);
    this.scratchPointer = 0;
    this.scratchBytes = 0;
  }

  /** Byte offset of a tensor's data in tfjs's memory. */
  offset(info: tf.TensorInfo): number {
    const data = this.backend.dataIdMap.get(info.dataId);
    if (!data) {
      throw new PrefplayError({
        code: 'backend-unavailable',
        problem: 'a tensor passed to a wasm kernel has no data on the wasm backend',
        where: { file },
        hint: 'Create the tensors after switching to the wasm backend, or disable the kernels',
      });
    }
    return data.memoryOffset;
  }

  /**
   * Whether another tensor shares this tensor's buffer (a clone or a reshape of it): a kernel that
   * writes into an existing tensor in place must give it a buffer of its own first.
   */
  shared(info: tf.TensorInfo): boolean {
    return (this.backend.dataIdMap.get(info.dataId)?.refCount ?? 1) > 1;
  }

  /**
   * Tells tfjs-wasm that a kernel changed this tensor's data in place: operators it cached for the
   * tensor (XNNPACK packs a matrix product's weights once per tensor) are dropped, so the next
   * product reads the new values. The memory is kept; only the registration is renewed.
   */
  wrote(info: tf.TensorInfo): void {
    const data = this.backend.dataIdMap.get(info.dataId);
    if (!data) return;
    const size = data.shape.reduce((a, b) => a * b, 1);
    this.backend.wasm.tfjs.disposeData(data.id);
    this.backend.wasm.tfjs.registerTensor(data.id, size, data.memoryOffset);
  }

  /** A new float32 (or int32) tensor of `shape` on the wasm heap, and its byte offset. */
  output(shape: number[], dtype: tf.DataType = 'float32'): { info: tf.TensorInfo; offset: number } {
    const info = this.backend.makeOutput(shape, dtype);
    return { info, offset: this.offset(info) };
  }

  /** Byte offset of at least `floats` floats of scratch (16-byte aligned), valid until the next call. */
  scratch(floats: number): number {
    const bytes = floats * 4 + 16;
    if (bytes > this.scratchBytes) {
      if (this.scratchPointer) this.backend.wasm._free(this.scratchPointer);
      this.scratchBytes = Math.max(bytes, this.scratchBytes * 2, 1 << 20);
      this.scratchPointer = this.backend.wasm._malloc(this.scratchBytes);
    }
    return (this.scratchPointer + 15) & ~15;
  }

  /** Copies `bytes` bytes inside tfjs's memory (reads the buffer afresh: it may have grown). */
  copy(to: number, from: number, bytes: number): void {
    new Uint8Array(this.memory.buffer).copyWithin(to, from, from + bytes);
  }

  /** Reads one float32 from tfjs's memory. */
  readFloat(offset: number): number {
    return new Float32Array(this.memory.buffer, offset, 1)[0] as number;
  }
}
