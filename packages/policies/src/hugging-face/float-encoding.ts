import { PrefplayError } from '@prefplay/core';

/** Floating-point dtypes of safetensors files that prefplay reads, converted to float32 exactly. */
export const floatDtypes = ['F32', 'F16', 'BF16'] as const;

export type FloatDtype = (typeof floatDtypes)[number];

/** Bytes per element of each safetensors dtype (every one the format defines). */
export const dtypeByteSizes: Readonly<Record<string, number>> = Object.freeze({
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
});

export function isFloatDtype(dtype: string): dtype is FloatDtype {
  return (floatDtypes as readonly string[]).includes(dtype);
}

const f16Table = (() => {
  // Every binary16 value as float32: sign · 2^(e − 15) · (1 + m/1024), subnormals 2^−14 · m/1024.
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) table[bits] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) table[bits] = mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    else table[bits] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return table;
})();

/**
 * Converts little-endian raw tensor bytes of a float dtype to float32. F16 and BF16 values are
 * exactly representable in float32, so the conversion is exact (BF16 is the upper half of a float32;
 * F16 goes through a 65 536-entry table). F32 is copied bit for bit.
 */
export function decodeFloats(bytes: Uint8Array, dtype: FloatDtype, out?: Float32Array): Float32Array {
  const size = dtype === 'F32' ? 4 : 2;
  if (bytes.byteLength % size !== 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `${bytes.byteLength} bytes are not a whole number of ${dtype} values`,
      hint: 'Pass the exact byte range of one tensor',
    });
  }
  const count = bytes.byteLength / size;
  const result = out ?? new Float32Array(count);
  if (result.length !== count) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `output holds ${result.length} values, the bytes hold ${count}`,
      hint: 'Pass an output array of the tensor size',
    });
  }
  if (dtype === 'F32') {
    new Uint8Array(result.buffer, result.byteOffset, result.byteLength).set(bytes);
    return result;
  }
  const bits = new Uint32Array(result.buffer, result.byteOffset, count);
  if (dtype === 'BF16') {
    for (let i = 0; i < count; i++) bits[i] = ((bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8)) << 16;
    return result;
  }
  for (let i = 0; i < count; i++) {
    result[i] = f16Table[(bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8)] as number;
  }
  return result;
}

/**
 * Float32 values as little-endian bytes of `dtype`. BF16 rounds to nearest, ties to even (NaN stays
 * NaN), as PyTorch's `tensor.to(torch.bfloat16)`; F16 is not written (prefplay saves F32 or BF16).
 */
export function encodeFloats(values: Float32Array, dtype: 'F32' | 'BF16'): Uint8Array {
  if (dtype === 'F32')
    return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const out = new Uint8Array(values.length * 2);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) {
    const word = bits[i] as number;
    let half: number;
    if ((word & 0x7f800000) === 0x7f800000 && (word & 0x7fffff) !== 0) half = (word >>> 16) | 0x40;
    else half = (word + 0x7fff + ((word >>> 16) & 1)) >>> 16;
    out[2 * i] = half & 0xff;
    out[2 * i + 1] = (half >>> 8) & 0xff;
  }
  return out;
}
