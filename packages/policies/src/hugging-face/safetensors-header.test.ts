import { PrefplayError } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors } from './encode-safetensors.js';
import { safetensorsSource } from './weight-source.js';

function withHeader(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

function errorOf(fn: () => unknown): PrefplayError {
  try {
    fn();
  } catch (error) {
    if (PrefplayError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('safetensors header', () => {
  it('round-trips tensors through encodeSafetensors (header padded to 8 bytes, sorted by name)', async () => {
    const a = Float32Array.from([1, -2.5, 3.25, 0]);
    const b = Float32Array.from([0.1, 0.2, 0.3]);
    const bytes = encodeSafetensors(
      [
        { name: 'b', shape: [3], values: b },
        { name: 'a', shape: [2, 2], values: a },
      ],
      { metadata: { format: 'pt' } },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header).toEqual({
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
      b: { dtype: 'F32', shape: [3], data_offsets: [16, 28] },
    });
    const source = safetensorsSource(bytes, 'x.safetensors');
    expect(Array.from(await source.read('a'))).toEqual(Array.from(a));
    expect(Array.from(await source.read('b'))).toEqual(Array.from(b));
    expect(source.tensors.get('a')).toEqual({ name: 'a', dtype: 'F32', shape: [2, 2], file: 'x.safetensors' });
  });

  it('names the file and the tensor for every kind of damage', () => {
    const good = { w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] } };
    const cases: [Uint8Array, RegExp, string | undefined][] = [
      [withHeader(good, 20), /truncated: tensor "w" ends at data byte 24 but the data section has 20 bytes/, 'w'],
      [withHeader(good, 24).subarray(0, 30), /truncated: its header claims \d+ bytes but only 22 follow/, undefined],
      [new Uint8Array(5), /too short for a safetensors header/, undefined],
      [
        withHeader({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, 24),
        /needs 24 bytes but its data_offsets span 20/,
        'w.data_offsets',
      ],
      [withHeader({ w: { dtype: 'Q4', shape: [2], data_offsets: [0, 2] } }, 2), /unknown dtype "Q4"/, 'w.dtype'],
      [
        withHeader({ w: { dtype: 'F32', shape: [2, -1], data_offsets: [0, 0] } }, 0),
        /not a list of non-negative integers/,
        'w.shape',
      ],
      [
        withHeader(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          12,
        ),
        /tensors "a" and "b" overlap/,
        'b',
      ],
      [withHeader([1, 2], 0), /header is not a JSON object/, undefined],
    ];
    for (const [bytes, message, field] of cases) {
      const error = errorOf(() => safetensorsSource(bytes, 'models/x.safetensors'));
      expect(error.code).toBe('invalid-checkpoint');
      expect(error.message).toMatch(message);
      expect(error.where.file).toBe('models/x.safetensors');
      expect(error.where.field).toBe(field);
    }
    const broken = withHeader(good, 24);
    broken[10] = 0xff; // invalid UTF-8 inside the JSON
    expect(errorOf(() => safetensorsSource(broken, 'x')).message).toMatch(/not valid UTF-8 JSON/);
  });

  it('refuses to convert integer tensors to floats, naming the tensor', async () => {
    const bytes = withHeader({ ids: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, 8);
    const source = safetensorsSource(bytes, 'x.safetensors');
    await expect(source.read('ids')).rejects.toThrow(/tensor "ids" is I64; prefplay reads F32, F16 and BF16/);
    await expect(source.read('nope')).rejects.toThrow(/tensor "nope" is not in the weights/);
  });
});
