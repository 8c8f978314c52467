import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { safetensorsLayout } from '../hugging-face/encode-safetensors.js';
import { encodeFloats } from '../hugging-face/float-encoding.js';
import type { StoredTensor } from '../hugging-face/stored-tensors.js';

/**
 * Writes a safetensors file tensor by tensor (each one's values are computed, encoded and written
 * before the next, so the file is never assembled in memory), to a temporary file that is synced and
 * renamed over `path`: readers see the old file or the whole new one.
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: readonly StoredTensor[],
  options: { readonly dtype?: 'F32' | 'BF16'; readonly metadata?: Readonly<Record<string, string>> } = {},
): Promise<void> {
  const dtype = options.dtype ?? 'F32';
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const layout = safetensorsLayout(
    tensors.map((t) => ({ name: t.name, dtype, shape: t.shape })),
    options.metadata ?? { format: 'pt' },
  );
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.write(layout.header);
      for (const entry of layout.entries) {
        const tensor = byName.get(entry.name) as StoredTensor;
        const values = tensor.values();
        const expected = entry.shape.reduce((a, b) => a * b, 1);
        if (values.length !== expected) {
          throw new Error(`writeSafetensorsFile: ${entry.name} has ${values.length} values for shape [${entry.shape}]`);
        }
        await handle.write(encodeFloats(values, dtype));
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
