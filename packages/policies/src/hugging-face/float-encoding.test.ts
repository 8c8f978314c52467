import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFloats, encodeFloats } from './float-encoding.js';
import { safetensorsSource } from './weight-source.js';

const fixture = new URL('./__fixtures__/dtypes.safetensors', import.meta.url);

function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

describe('decodeFloats and encodeFloats', () => {
  it('read F32, F16 and BF16 exactly as numpy converts them (dtypes.safetensors, made by the fixture script)', async () => {
    const source = safetensorsSource(new Uint8Array(readFileSync(fixture)), 'dtypes.safetensors');
    for (const dtype of ['f32', 'f16', 'bf16']) {
      const decoded = await source.read(dtype);
      const expected = await source.read(`${dtype}_as_f32`);
      expect(decoded.length).toBe(61);
      expect(Array.from(bits(decoded))).toEqual(Array.from(bits(expected)));
    }
  });

  it('round float32 to BF16 to nearest even as numpy did', async () => {
    const bytes = new Uint8Array(readFileSync(fixture));
    const source = safetensorsSource(bytes, 'dtypes.safetensors');
    const f32 = await source.read('f32');
    const { headerLength, bf16 } = (() => {
      const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
      return { headerLength: length, bf16: header.bf16.data_offsets as [number, number] };
    })();
    const stored = bytes.subarray(8 + headerLength + bf16[0], 8 + headerLength + bf16[1]);
    expect(Array.from(encodeFloats(f32, 'BF16'))).toEqual(Array.from(stored));
  });

  it('decode hand-checked F16 and BF16 bit patterns', () => {
    const f16 = (pattern: number) => decodeFloats(new Uint8Array([pattern & 0xff, pattern >> 8]), 'F16')[0];
    expect(f16(0x3c00)).toBe(1);
    expect(f16(0xc000)).toBe(-2);
    expect(f16(0x7bff)).toBe(65504);
    expect(f16(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(f16(0x03ff)).toBe(1023 * 2 ** -24); // largest subnormal
    expect(f16(0x3555)).toBe(1365 / 4096); // 0.333251953125
    expect(f16(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(f16(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(f16(0x7e00)).toBeNaN();
    expect(Object.is(f16(0x8000), -0)).toBe(true);
    const bf16 = (pattern: number) => decodeFloats(new Uint8Array([pattern & 0xff, pattern >> 8]), 'BF16')[0];
    expect(bf16(0x3f80)).toBe(1);
    expect(bf16(0x4049)).toBe(3.140625);
    expect(bf16(0xc000)).toBe(-2);
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
    expect(Array.from(encodeFloats(Float32Array.of(1 + 2 ** -8, 1 + 3 * 2 ** -8, Number.NaN), 'BF16'))).toEqual([
      0x80, 0x3f, 0x82, 0x3f, 0xc0, 0x7f,
    ]);
  });

  it('reject byte counts that are not whole values', () => {
    expect(() => decodeFloats(new Uint8Array(3), 'F16')).toThrow(/not a whole number of F16 values/);
  });
});
