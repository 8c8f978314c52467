import { PrefplayError } from '@prefplay/core';
import { decodeFloats, isFloatDtype } from './float-encoding.js';
import { parseSafetensorsHeader, type SafetensorsTensorInfo, safetensorsHeaderLength } from './safetensors-header.js';

/** One stored tensor: its dtype and shape and the file it lives in. */
export type WeightInfo = {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly file: string;
};

/**
 * Tensors read one at a time (so a model never holds a second full copy of its weights while it
 * loads): from a safetensors file in memory, or from files on disk (`@prefplay/policies/node`).
 */
export type WeightSource = {
  readonly tensors: ReadonlyMap<string, WeightInfo>;
  /** One tensor as float32 (F32, F16 and BF16 are converted exactly); a new array the caller owns. */
  read(name: string): Promise<Float32Array>;
  /** Releases open files. */
  close(): Promise<void>;
};

/** Throws unless a tensor's dtype converts to float32. */
export function checkFloatTensor(info: { readonly name: string; readonly dtype: string }, file: string): void {
  if (!isFloatDtype(info.dtype)) {
    throw new PrefplayError({
      code: 'unsupported',
      problem: `tensor "${info.name}" is ${info.dtype}; prefplay reads F32, F16 and BF16 weights`,
      where: { file, field: info.name },
      hint: 'Convert the checkpoint to float32, float16 or bfloat16 (e.g. model.to(torch.float32).save_pretrained(...))',
    });
  }
}

/** Converts the bytes of one tensor to float32 (F32 bytes in an aligned buffer are reused, not copied). */
export function tensorBytesToFloats(info: SafetensorsTensorInfo, bytes: Uint8Array, file: string): Float32Array {
  checkFloatTensor(info, file);
  if (info.dtype === 'F32' && bytes.byteOffset % 4 === 0) {
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }
  return decodeFloats(bytes, info.dtype as 'F32' | 'F16' | 'BF16');
}

/** A weight source over one safetensors file held in memory (e.g. fetched in a browser). */
export function safetensorsSource(bytes: Uint8Array, file = 'model.safetensors'): WeightSource {
  const headerLength = safetensorsHeaderLength(bytes.subarray(0, 8), bytes.byteLength, file);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + headerLength), bytes.byteLength, file);
  const tensors = new Map<string, WeightInfo>();
  for (const info of header.tensors.values()) {
    tensors.set(info.name, { name: info.name, dtype: info.dtype, shape: info.shape, file });
  }
  return {
    tensors,
    async read(name) {
      const info = header.tensors.get(name);
      if (!info) missingTensor(name, file);
      checkFloatTensor(info, file);
      return decodeFloats(bytes.subarray(info.begin, info.end), info.dtype as 'F32' | 'F16' | 'BF16');
    },
    async close() {},
  };
}

export function missingTensor(name: string, file: string): never {
  throw new PrefplayError({
    code: 'invalid-checkpoint',
    problem: `tensor "${name}" is not in the weights`,
    where: { file, field: name },
    hint: 'The weights do not belong to this model configuration; check the folder',
  });
}
