import { type PolicyStateV1, PrefplayError } from '@prefplay/core';
import { z } from 'zod';
import { type TokenizerJSON, tokenizerJsonSchema } from './tokenizer.js';

/** First 8 bytes of every prefplay checkpoint. */
export const checkpointMagic = 'PREFPLAY';
export const checkpointFormat = 'prefplay-checkpoint';
/** Version 2 added a CRC-32 of the JSON header, stored in the 4 bytes after it. */
export const checkpointFormatVersion = 2;

/** Bytes before the JSON header: the magic, then the header length as uint32 little-endian. */
const preambleBytes = 12;
/** The header's CRC-32, uint32 little-endian, right after the header. */
const headerCrcBytes = 4;
/** The payload starts at a multiple of this many bytes. */
const payloadAlignment = 8;

const tensorEntrySchema = z.object({
  name: z.string().min(1),
  dtype: z.literal('float32'),
  shape: z.array(z.number().int().min(0)),
  /** Byte offset from the start of the payload. */
  offset: z.number().int().min(0),
  byteLength: z.number().int().min(0),
});

export const checkpointHeaderSchema = z.object({
  format: z.literal(checkpointFormat),
  formatVersion: z.literal(checkpointFormatVersion),
  policy: z.object({ kind: z.string().min(1), config: z.unknown() }),
  tensors: z.array(tensorEntrySchema),
  payloadByteLength: z.number().int().min(0),
  /** CRC-32 (IEEE) of the payload bytes. */
  payloadCrc32: z.number().int().min(0),
  tokenizer: tokenizerJsonSchema.optional(),
  metadata: z.record(z.string(), z.unknown()),
});

/** The JSON header of a checkpoint file. */
export type CheckpointHeader = z.output<typeof checkpointHeaderSchema>;

export type CheckpointContents = {
  readonly policy: PolicyStateV1;
  readonly tokenizer?: TokenizerJSON;
  readonly metadata?: Record<string, unknown>;
};

/** Somewhere checkpoint bytes are kept between runs: a file, IndexedDB, a memory map. */
export type CheckpointCache = {
  /** Names the place in error messages (a path, a key). */
  readonly name: string;
  /** The stored bytes, or undefined when nothing is stored yet. */
  read(): Promise<Uint8Array | undefined>;
  /** Replaces the stored bytes; all or nothing. */
  write(bytes: Uint8Array): Promise<void>;
};

export type LoadedCheckpoint = {
  readonly policy: PolicyStateV1;
  readonly tokenizer?: TokenizerJSON;
  readonly metadata: Record<string, unknown>;
  readonly formatVersion: typeof checkpointFormatVersion;
};

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as in zip and PNG) of some bytes. */
export function crc32(bytes: Uint8Array, initial = 0): number {
  let crc = (initial ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    crc = (crcTable[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new PrefplayError({
      code: 'unsupported',
      problem: 'checkpoints store little-endian float32 and this machine is big-endian',
      hint: 'Save and load checkpoints on a little-endian machine',
    });
  }
}

function invalidState(path: string, problem: string, field: string): PrefplayError {
  return new PrefplayError({
    code: 'invalid-input',
    problem: `cannot save checkpoint: ${problem}`,
    where: { file: path, field },
    hint: 'Pass the state returned by policy.doSaveState()',
  });
}

function toJsonValue(value: unknown, path: string, field: string): unknown {
  try {
    const text = JSON.stringify(value ?? null);
    return JSON.parse(text);
  } catch (error) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `cannot save checkpoint: ${field} is not JSON-serialisable (${(error as Error).message})`,
      where: { file: path, field },
      hint: 'Keep configuration and metadata to plain JSON values',
      cause: error,
    });
  }
}

/** Serialises a checkpoint to the bytes `saveCheckpoint` writes. */
export function encodeCheckpoint(contents: CheckpointContents, path = '<memory>'): Uint8Array {
  assertLittleEndian();
  const { policy } = contents;
  if (typeof policy?.kind !== 'string' || policy.kind.length === 0) {
    throw invalidState(path, 'policy.kind must be a non-empty string', 'policy.kind');
  }
  const tensors: CheckpointHeader['tensors'] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, weight] of Object.entries(policy.weights ?? {})) {
    const field = `policy.weights.${name}`;
    if (!(weight.values instanceof Float32Array))
      throw invalidState(path, `${field}.values is not a Float32Array`, field);
    const size = weight.shape.reduce((a, b) => a * b, 1);
    if (!weight.shape.every((d) => Number.isInteger(d) && d >= 0) || size !== weight.values.length) {
      throw invalidState(path, `${field} has shape [${weight.shape}] but ${weight.values.length} values`, field);
    }
    const bytes = new Uint8Array(weight.values.buffer, weight.values.byteOffset, weight.values.byteLength);
    tensors.push({ name, dtype: 'float32', shape: [...weight.shape], offset, byteLength: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let crc = 0;
  for (const chunk of chunks) crc = crc32(chunk, crc);
  const header: CheckpointHeader = {
    format: checkpointFormat,
    formatVersion: checkpointFormatVersion,
    policy: { kind: policy.kind, config: toJsonValue(policy.config, path, 'policy.config') },
    tensors,
    payloadByteLength: offset,
    payloadCrc32: crc,
    ...(contents.tokenizer !== undefined ? { tokenizer: contents.tokenizer } : {}),
    metadata: (toJsonValue(contents.metadata ?? {}, path, 'metadata') ?? {}) as Record<string, unknown>,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const payloadStart = payloadStartOf(headerBytes.byteLength);
  const out = new Uint8Array(payloadStart + offset);
  out.set(new TextEncoder().encode(checkpointMagic), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, headerBytes.byteLength, true);
  out.set(headerBytes, preambleBytes);
  view.setUint32(preambleBytes + headerBytes.byteLength, crc32(headerBytes), true);
  let at = payloadStart;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function payloadStartOf(headerLength: number): number {
  return Math.ceil((preambleBytes + headerLength + headerCrcBytes) / payloadAlignment) * payloadAlignment;
}

function invalid(path: string, problem: string, hint: string): PrefplayError {
  return new PrefplayError({ code: 'invalid-checkpoint', problem, where: { file: path }, hint });
}

const rewriteHint = 'The file is damaged or incomplete: restore it from a backup or save the checkpoint again';

/** Parses and validates checkpoint bytes; `path` names the file in errors. */
export function decodeCheckpoint(bytes: Uint8Array, path = '<memory>'): LoadedCheckpoint {
  assertLittleEndian();
  if (bytes.byteLength === 0) {
    throw invalid(path, 'checkpoint file is empty', rewriteHint);
  }
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.byteLength < 8 || magic !== checkpointMagic) {
    throw invalid(
      path,
      `not a prefplay checkpoint: it does not start with the bytes "${checkpointMagic}"`,
      'Pass a file written by saveCheckpoint',
    );
  }
  if (bytes.byteLength < preambleBytes) {
    throw invalid(path, `checkpoint is truncated: ${bytes.byteLength} bytes, too short to hold a header`, rewriteHint);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (preambleBytes + headerLength + headerCrcBytes > bytes.byteLength) {
    throw invalid(
      path,
      `checkpoint is truncated: its header needs ${headerLength + headerCrcBytes} bytes but only ${bytes.byteLength - preambleBytes} follow`,
      rewriteHint,
    );
  }
  const headerBytes = bytes.subarray(preambleBytes, preambleBytes + headerLength);
  const storedHeaderCrc = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    preambleBytes + headerLength,
    true,
  );
  if (crc32(headerBytes) !== storedHeaderCrc) {
    throw invalid(
      path,
      'checkpoint header is corrupted or was edited: its CRC-32 does not match (checkpoints written before format version 2 carry no header checksum)',
      'Restore the file from a backup or save the checkpoint again; a checkpoint is not meant to be edited by hand',
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    throw invalid(path, `checkpoint header is corrupted: not valid JSON (${(error as Error).message})`, rewriteHint);
  }
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > checkpointFormatVersion) {
    throw invalid(
      path,
      `checkpoint has formatVersion ${version}, newer than the version ${checkpointFormatVersion} this @prefplay/policies reads`,
      'Upgrade @prefplay/policies to a release that reads this format',
    );
  }
  const parsed = checkpointHeaderSchema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues
      .map((issue) => `${issue.path.length > 0 ? `"${issue.path.join('.')}": ` : ''}${issue.message}`)
      .join('; ');
    throw invalid(path, `checkpoint header is corrupted or not a prefplay checkpoint header: ${details}`, rewriteHint);
  }
  const header = parsed.data;
  const payloadStart = payloadStartOf(headerLength);
  const available = bytes.byteLength - payloadStart;
  if (available < header.payloadByteLength) {
    throw invalid(
      path,
      `checkpoint is truncated: the header announces ${header.payloadByteLength} payload bytes but only ${Math.max(0, available)} are present`,
      rewriteHint,
    );
  }
  if (available > header.payloadByteLength) {
    throw invalid(
      path,
      `checkpoint size mismatch: ${available - header.payloadByteLength} unexpected bytes after the ${header.payloadByteLength}-byte payload`,
      rewriteHint,
    );
  }
  const payload = bytes.subarray(payloadStart, payloadStart + header.payloadByteLength);
  const weights: Record<string, { shape: number[]; values: Float32Array }> = {};
  let expectedOffset = 0;
  for (const entry of header.tensors) {
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (entry.byteLength !== size * 4 || entry.offset !== expectedOffset || entry.name in weights) {
      throw invalid(
        path,
        `checkpoint tensor index is inconsistent at "${entry.name}" (shape [${entry.shape}], offset ${entry.offset}, ${entry.byteLength} bytes)`,
        rewriteHint,
      );
    }
    expectedOffset += entry.byteLength;
    // a copy (a Node Buffer's slice would be a view into a shared pool)
    const copy = new Uint8Array(payload.subarray(entry.offset, entry.offset + entry.byteLength));
    weights[entry.name] = { shape: entry.shape, values: new Float32Array(copy.buffer, 0, size) };
  }
  if (expectedOffset !== header.payloadByteLength) {
    throw invalid(
      path,
      `checkpoint size mismatch: tensors cover ${expectedOffset} bytes of a ${header.payloadByteLength}-byte payload`,
      rewriteHint,
    );
  }
  if (crc32(payload) !== header.payloadCrc32) {
    throw invalid(path, 'checkpoint payload is corrupted: its CRC-32 does not match the header', rewriteHint);
  }
  return {
    policy: { kind: header.policy.kind, config: header.policy.config, weights },
    ...(header.tokenizer !== undefined ? { tokenizer: header.tokenizer } : {}),
    metadata: header.metadata,
    formatVersion: checkpointFormatVersion,
  };
}
