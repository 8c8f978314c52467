import { type FileHandle, open } from 'node:fs/promises';
import { PrefplayError } from '@prefplay/core';
import { parseSafetensorsHeader, safetensorsHeaderLength } from '../hugging-face/safetensors-header.js';
import {
  checkFloatTensor,
  missingTensor,
  tensorBytesToFloats,
  type WeightInfo,
  type WeightSource,
} from '../hugging-face/weight-source.js';

async function readExactly(handle: FileHandle, length: number, position: number, file: string): Promise<Uint8Array> {
  const buffer = new Uint8Array(new ArrayBuffer(length));
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new PrefplayError({
        code: 'invalid-checkpoint',
        problem: `the file is truncated: expected ${length} bytes at byte ${position}, it ended after ${done}`,
        where: { file },
        hint: 'Download or save the file again',
      });
    }
    done += bytesRead;
  }
  return buffer;
}

/**
 * Opens a safetensors file: reads and validates only its header; `read(name)` then reads that one
 * tensor's bytes from disk. `displayName` is used in errors (default: the path).
 */
export async function openSafetensorsFile(path: string, displayName = path): Promise<WeightSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PrefplayError({
      code: 'invalid-checkpoint',
      problem: code === 'ENOENT' ? 'the weights file does not exist' : `cannot open the weights file (${code})`,
      where: { file: displayName },
      hint: 'A model folder needs model.safetensors or model.safetensors.index.json with its shards',
      cause: error,
    });
  }
  try {
    const { size } = await handle.stat();
    const first8 = await readExactly(handle, Math.min(8, size), 0, displayName);
    const headerLength = safetensorsHeaderLength(first8, size, displayName);
    const header = parseSafetensorsHeader(await readExactly(handle, headerLength, 8, displayName), size, displayName);
    const tensors = new Map<string, WeightInfo>();
    for (const info of header.tensors.values()) {
      tensors.set(info.name, { name: info.name, dtype: info.dtype, shape: info.shape, file: displayName });
    }
    const opened = handle;
    return {
      tensors,
      async read(name) {
        const info = header.tensors.get(name);
        if (!info) missingTensor(name, displayName);
        checkFloatTensor(info, displayName);
        const bytes = await readExactly(opened, info.end - info.begin, info.begin, displayName);
        return tensorBytesToFloats(info, bytes, displayName);
      },
      async close() {
        await opened.close();
      },
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
