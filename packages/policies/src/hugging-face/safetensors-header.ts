import { PrefplayError } from '@prefplay/core';
import { dtypeByteSizes } from './float-encoding.js';

/** One tensor of a safetensors file; offsets are absolute byte positions in the file. */
export type SafetensorsTensorInfo = {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** First byte of the tensor's data in the file. */
  readonly begin: number;
  /** One past its last byte. */
  readonly end: number;
};

/** The parsed, validated header of a safetensors file. */
export type SafetensorsHeader = {
  /** Bytes before the data: 8 + the JSON header's length. */
  readonly dataStart: number;
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
};

/** The most bytes a header may take (as in the reference implementation, 100 MB). */
export const maxHeaderBytes = 100_000_000;

function fail(file: string, problem: string, field?: string, hint?: string): never {
  throw new PrefplayError({
    code: 'invalid-checkpoint',
    problem,
    where: field !== undefined ? { file, field } : { file },
    hint: hint ?? 'The file is not a valid safetensors file or is damaged; download or save it again',
  });
}

/**
 * Reads the header length from the first 8 bytes of a safetensors file (little-endian uint64) and
 * checks it fits in a file of `fileSize` bytes.
 */
export function safetensorsHeaderLength(first8: Uint8Array, fileSize: number, file: string): number {
  if (first8.byteLength < 8 || fileSize < 8) {
    fail(file, `the file is ${fileSize} bytes long, too short for a safetensors header`);
  }
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const length = Number(view.getBigUint64(0, true));
  if (length > maxHeaderBytes) fail(file, `the header claims ${length} bytes, more than ${maxHeaderBytes}`);
  if (8 + length > fileSize) {
    fail(file, `the file is truncated: its header claims ${length} bytes but only ${fileSize - 8} follow`);
  }
  return length;
}

/**
 * Parses and validates the JSON header of a safetensors file: every entry has a known dtype, a shape
 * of non-negative integers and `data_offsets` whose length equals shape × dtype size; tensors lie
 * inside the file and do not overlap. Errors name the file and the tensor.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, fileSize: number, file: string): SafetensorsHeader {
  const dataStart = 8 + headerBytes.byteLength;
  const dataLength = fileSize - dataStart;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    fail(file, `the header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail(file, 'the header is not a JSON object');
  const tensors = new Map<string, SafetensorsTensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
        fail(file, '__metadata__ is not an object of strings', '__metadata__');
      }
      for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof value !== 'string') fail(file, `__metadata__.${key} is not a string`, `__metadata__.${key}`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    if (entry === null || typeof entry !== 'object')
      fail(file, `tensor "${name}" has no {dtype, shape, data_offsets}`, name);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string' || dtypeByteSizes[dtype] === undefined) {
      fail(file, `tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`, `${name}.dtype`);
    }
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      fail(
        file,
        `tensor "${name}" has shape ${JSON.stringify(shape)}, not a list of non-negative integers`,
        `${name}.shape`,
      );
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      offsets.some((o) => !Number.isSafeInteger(o) || o < 0) ||
      (offsets[0] as number) > (offsets[1] as number)
    ) {
      fail(
        file,
        `tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, not [begin, end] with begin ≤ end`,
        `${name}.data_offsets`,
      );
    }
    const [begin, end] = offsets as [number, number];
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    const expected = elements * (dtypeByteSizes[dtype] as number);
    if (end - begin !== expected) {
      fail(
        file,
        `tensor "${name}" (${dtype} [${(shape as number[]).join(', ')}]) needs ${expected} bytes but its data_offsets span ${end - begin}`,
        `${name}.data_offsets`,
      );
    }
    if (end > dataLength) {
      fail(
        file,
        `the file is truncated: tensor "${name}" ends at data byte ${end} but the data section has ${dataLength} bytes`,
        name,
      );
    }
    tensors.set(name, {
      name,
      dtype,
      shape: (shape as number[]).slice(),
      begin: dataStart + begin,
      end: dataStart + end,
    });
  }
  const sorted = [...tensors.values()].filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1] as SafetensorsTensorInfo;
    const current = sorted[i] as SafetensorsTensorInfo;
    if (current.begin < previous.end) {
      fail(file, `tensors "${previous.name}" and "${current.name}" overlap`, current.name);
    }
  }
  return { dataStart, tensors, metadata };
}
