import { encodeFloats } from './float-encoding.js';

/** A named float32 tensor to write. */
export type NamedTensor = {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
};

export type SafetensorsLayoutEntry = {
  readonly name: string;
  readonly dtype: 'F32' | 'BF16';
  readonly shape: readonly number[];
};

/** Where each tensor goes in a file being written. */
export type SafetensorsLayout = {
  /** The 8-byte length, then the JSON header padded with spaces to a multiple of 8. */
  readonly header: Uint8Array;
  /** Tensors in file order with their byte range relative to the data section. */
  readonly entries: readonly (SafetensorsLayoutEntry & { readonly begin: number; readonly end: number })[];
  readonly totalBytes: number;
};

/**
 * Lays out a safetensors file: tensors sorted by name, back to back, after a JSON header
 * `{name: {dtype, shape, data_offsets}, __metadata__}` padded with spaces to 8-byte alignment
 * (what the reference `safetensors` writer produces).
 */
export function safetensorsLayout(
  tensors: readonly SafetensorsLayoutEntry[],
  metadata: Readonly<Record<string, string>> = {},
): SafetensorsLayout {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const json: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) json.__metadata__ = { ...metadata };
  let offset = 0;
  const entries = sorted.map((t) => {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * (t.dtype === 'F32' ? 4 : 2);
    const entry = { ...t, shape: t.shape.slice(), begin: offset, end: offset + bytes };
    json[t.name] = { dtype: t.dtype, shape: t.shape.slice(), data_offsets: [offset, offset + bytes] };
    offset += bytes;
    return entry;
  });
  let text = JSON.stringify(json);
  const encoder = new TextEncoder();
  let body = encoder.encode(text);
  const padding = (8 - (body.byteLength % 8)) % 8;
  if (padding > 0) {
    text += ' '.repeat(padding);
    body = encoder.encode(text);
  }
  const header = new Uint8Array(8 + body.byteLength);
  new DataView(header.buffer).setBigUint64(0, BigInt(body.byteLength), true);
  header.set(body, 8);
  return { header, entries, totalBytes: header.byteLength + offset };
}

/** A whole safetensors file in memory (for small tensors and browsers; Node saves stream to disk). */
export function encodeSafetensors(
  tensors: readonly NamedTensor[],
  options: { readonly dtype?: 'F32' | 'BF16'; readonly metadata?: Readonly<Record<string, string>> } = {},
): Uint8Array {
  const dtype = options.dtype ?? 'F32';
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const layout = safetensorsLayout(
    tensors.map((t) => ({ name: t.name, dtype, shape: t.shape })),
    options.metadata,
  );
  const out = new Uint8Array(layout.totalBytes);
  out.set(layout.header, 0);
  for (const entry of layout.entries) {
    out.set(
      encodeFloats((byName.get(entry.name) as NamedTensor).values, dtype),
      layout.header.byteLength + entry.begin,
    );
  }
  return out;
}
