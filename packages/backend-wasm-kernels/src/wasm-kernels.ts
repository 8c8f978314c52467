import { parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { type CausalAttentionOptions, createCausalAttention } from './causal-attention-kernel.js';
import { createDense, type DenseOptions } from './dense-kernel.js';
import { createEmbedding } from './embedding-kernel.js';
import { createGelu } from './gelu-kernel.js';
import { createGroupedCausalAttention, type GroupedCausalAttentionOptions } from './grouped-causal-attention-kernel.js';
import { plainKernelsBase64, relaxedKernelsBase64 } from './kernel-binaries.js';
import { type KernelExports, KernelInstance, type SimdVariant, type WasmBackendLike } from './kernel-instance.js';
import { registerKernels } from './kernel-registry.js';
import { createKeyValueCacheFactory, type KeyValueCache, type KeyValueCacheOptions } from './key-value-cache.js';
import { createLayerNorm } from './layer-norm-kernel.js';
import { createMatMul, type MatMulOptions, matMulValue } from './mat-mul-kernel.js';
import { createTokenLogProbs, tokenLogProbsGradient, tokenLogProbsValue } from './token-log-probs-kernel.js';

/** Options of `configureWasmKernels`. */
export const wasmKernelsOptionsSchema = z
  .object({
    /** Use the kernels when the active backend is wasm (default true); false restores plain tfjs ops. */
    enabled: z.boolean().default(true),
    /**
     * Which build: `plain` 128-bit SIMD (default: the same bits on every engine), `relaxed` adds
     * fused multiply-add (faster where the engine supports relaxed SIMD, results differ in the last
     * bits between machines), `auto` takes relaxed when `WebAssembly.validate` accepts it. Node 20
     * needs `--experimental-wasm-relaxed-simd` for relaxed SIMD.
     */
    simd: z.enum(['plain', 'relaxed', 'auto']).default('plain'),
  })
  .strict();

export type WasmKernelsOptions = z.input<typeof wasmKernelsOptionsSchema>;

/** The kernels, bound to the wasm backend they were loaded on. Every tensor function is a tfjs op. */
export type WasmKernels = {
  /** The build in use. */
  readonly simd: SimdVariant;
  /** `op(A)·op(B)`, 2-D or batched 3-D, any transposition, differentiable. */
  matMul(a: tf.Tensor, b: tf.Tensor, options?: MatMulOptions): tf.Tensor;
  /** `x·W + b` (2-D) with optional fused GELU or residual, differentiable. */
  dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, options?: DenseOptions): tf.Tensor2D;
  /** LayerNorm over the last axis of `[rows, width]`, differentiable. */
  layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon?: number): tf.Tensor2D;
  /** Tanh-approximate GELU, differentiable. */
  gelu<T extends tf.Tensor>(x: T): T;
  /** Causal multi-head self-attention from the fused `[batch·length, 3·d]` projection, differentiable. */
  causalAttention(qkv: tf.Tensor2D, options: CausalAttentionOptions): tf.Tensor2D;
  /** Causal grouped-query self-attention from separate queries, keys and values, differentiable. */
  groupedCausalAttention(
    queries: tf.Tensor2D,
    keys: tf.Tensor2D,
    values: tf.Tensor2D,
    options: GroupedCausalAttentionOptions,
  ): tf.Tensor2D;
  /** Log-softmax at each row's target (0 for target −1), differentiable in the logits. */
  tokenLogProbs(logits: tf.Tensor2D, targets: Int32Array): tf.Tensor1D;
  /** `table[ids]` (+ `positions.table[positions.ids]`), differentiable in both tables. */
  embedding(
    table: tf.Tensor2D,
    ids: Int32Array,
    positions?: { readonly table: tf.Tensor2D; readonly ids: Int32Array },
  ): tf.Tensor2D;
  /** Preallocated key/value caches for incremental decoding with the decode-attention kernel. */
  createKeyValueCache(options: KeyValueCacheOptions): KeyValueCache;
  /**
   * Non-differentiable parts of the ops above, for custom gradients that need only some of the
   * gradients (a frozen weight's product, a chunked vocabulary projection).
   */
  readonly parts: {
    /** `op(A)·op(B)`, 2-D or batched 3-D, any transposition. */
    product(a: tf.Tensor, b: tf.Tensor, options?: MatMulOptions): tf.Tensor;
    /** `[logp, lse]`: log-softmax at each row's target (int32, −1 unscored) and the row's log-sum-exp. */
    tokenLogProbs(logits: tf.Tensor2D, targets: tf.Tensor1D): [tf.Tensor1D, tf.Tensor1D];
    /** `(onehot(target) − softmax(logits))·dy` per row, from the forward's `lse`. */
    tokenLogProbsGradient(logits: tf.Tensor2D, targets: tf.Tensor1D, lse: tf.Tensor1D, dy: tf.Tensor1D): tf.Tensor2D;
  };
};

/** Whether the kernels are in use, and why not when they are not. */
export type WasmKernelsStatus =
  | { readonly available: true; readonly simd: SimdVariant }
  | { readonly available: false; readonly reason: string };

let settings = parseOptions(wasmKernelsOptionsSchema, {}, { what: 'wasm kernels options' });
type Loaded = { readonly kernels: WasmKernels; readonly instance: KernelInstance } | { readonly reason: string };
// Backends live as long as the tfjs engine, so a plain map does not keep anything alive longer.
const loaded = new Map<object, Loaded>();
const compiled = new Map<SimdVariant, WebAssembly.Module>();

/** Sets whether and which kernels are used; takes effect for backends loaded afterwards and at once for `enabled`. */
export function configureWasmKernels(options: WasmKernelsOptions): void {
  const next = parseOptions(wasmKernelsOptionsSchema, options, { what: 'wasm kernels options' });
  if (next.simd !== settings.simd) {
    for (const entry of loaded.values()) if ('instance' in entry) entry.instance.release();
    loaded.clear();
  }
  settings = next;
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes base64 without Node's Buffer or the DOM's atob. */
export function decodeBase64(text: string): Uint8Array {
  const lookup = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) lookup[alphabet.charCodeAt(i)] = i;
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let count = 0;
  let at = 0;
  for (let i = 0; i < clean.length; i++) {
    const value = lookup[clean.charCodeAt(i)] ?? -1;
    if (value < 0) throw new Error(`invalid base64 character at ${i}`);
    bits = (bits << 6) | value;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[at++] = (bits >> count) & 0xff;
    }
  }
  return out;
}

/** The build the settings ask for and the engine accepts, or undefined for relaxed on an engine without it. */
function chooseVariant(): SimdVariant | undefined {
  if (settings.simd === 'plain') return 'plain';
  if (WebAssembly.validate(decodeBase64(relaxedKernelsBase64))) return 'relaxed';
  return settings.simd === 'auto' ? 'plain' : undefined;
}

function moduleFor(variant: SimdVariant): WebAssembly.Module {
  let module = compiled.get(variant);
  if (!module) {
    module = new WebAssembly.Module(decodeBase64(variant === 'relaxed' ? relaxedKernelsBase64 : plainKernelsBase64));
    compiled.set(variant, module);
  }
  return module;
}

function load(backend: WasmBackendLike): Loaded {
  const memory = backend.wasm?.asm?.memory ?? backend.wasm?.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) return { reason: 'the wasm backend exposes no memory object' };
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) {
    return { reason: 'the wasm backend runs with threads (shared memory), which these kernels do not support' };
  }
  try {
    const variant = chooseVariant();
    if (!variant) return { reason: 'relaxed SIMD was asked for, but this engine does not validate it' };
    const wasm = new WebAssembly.Instance(moduleFor(variant), { env: { memory } });
    const instance = new KernelInstance(backend, memory, wasm.exports as unknown as KernelExports, variant);
    registerKernels(instance);
    const kernels: WasmKernels = {
      simd: variant,
      matMul: createMatMul(instance),
      dense: createDense(instance),
      layerNorm: createLayerNorm(instance),
      gelu: createGelu(instance),
      causalAttention: createCausalAttention(instance),
      groupedCausalAttention: createGroupedCausalAttention(instance),
      tokenLogProbs: createTokenLogProbs(instance),
      embedding: createEmbedding(instance),
      createKeyValueCache: createKeyValueCacheFactory(instance),
      parts: {
        product: (a, b, options = {}) => matMulValue(a, b, options.transposeA ?? false, options.transposeB ?? false),
        tokenLogProbs: tokenLogProbsValue,
        tokenLogProbsGradient,
      },
    };
    return { kernels, instance };
  } catch (error) {
    return { reason: `the kernel module did not load: ${String((error as Error).message ?? error)}` };
  }
}

function current(): Loaded | undefined {
  if (!settings.enabled) return { reason: 'disabled by configureWasmKernels({ enabled: false })' };
  if (tf.getBackend() !== 'wasm') return { reason: `the active backend is ${tf.getBackend()}, not wasm` };
  const backend = tf.backend() as unknown as WasmBackendLike;
  let entry = loaded.get(backend);
  if (!entry) {
    entry = load(backend);
    loaded.set(backend, entry);
  }
  return entry;
}

/**
 * The kernels for the active backend, loading them on first use (synchronously: the module is
 * embedded), or `undefined` when the backend is not wasm, the kernels are disabled or they could
 * not load (see `wasmKernelsStatus`). Callers fall back to plain tfjs ops on `undefined`.
 */
export function getWasmKernels(): WasmKernels | undefined {
  const entry = current();
  return entry && 'kernels' in entry ? entry.kernels : undefined;
}

/** The loaded instance for the active backend (for in-place kernels such as the Adam update). */
export function activeKernelInstance(): KernelInstance | undefined {
  const entry = current();
  return entry && 'instance' in entry ? entry.instance : undefined;
}

/** Whether `getWasmKernels()` returns kernels now, which build, or why not. */
export function wasmKernelsStatus(): WasmKernelsStatus {
  const entry = current();
  if (entry && 'kernels' in entry) return { available: true, simd: entry.kernels.simd };
  return { available: false, reason: entry && 'reason' in entry ? entry.reason : 'unknown' };
}

/**
 * Compiles the module asynchronously (browsers limit synchronous compilation on the main thread)
 * and loads it on the active backend; resolves to `wasmKernelsStatus()`.
 */
export async function prepareWasmKernels(): Promise<WasmKernelsStatus> {
  if (settings.enabled && tf.getBackend() === 'wasm') {
    const variant = chooseVariant();
    if (variant && !compiled.has(variant)) {
      const bytes = decodeBase64(variant === 'relaxed' ? relaxedKernelsBase64 : plainKernelsBase64);
      compiled.set(variant, await WebAssembly.compile(bytes));
    }
  }
  return wasmKernelsStatus();
}
