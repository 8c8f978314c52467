import { promises as fs } from 'node:fs';
import { PrefplayError } from '@prefplay/core';
import { writeFileAtomic } from '@prefplay/core/node';
import {
  type CheckpointCache,
  type CheckpointContents,
  decodeCheckpoint,
  encodeCheckpoint,
  type LoadedCheckpoint,
} from './checkpoint.js';

/**
 * Writes a checkpoint atomically: the bytes go to a temporary file in the same directory, which is
 * flushed to disk and then renamed over `path`. A failure at any point leaves `path` as it was.
 */
export async function saveCheckpoint(path: string, contents: CheckpointContents): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(contents, path));
}

/** Reads and validates a checkpoint written by `saveCheckpoint`. */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PrefplayError({
      code: 'invalid-checkpoint',
      problem:
        code === 'ENOENT' ? 'checkpoint file does not exist' : `checkpoint file cannot be read (${code ?? error})`,
      where: { file: path },
      hint: 'Check the path, or train and save a checkpoint first',
      cause: error,
    });
  }
  return decodeCheckpoint(bytes, path);
}

/** A checkpoint cache in one file, written atomically; a missing file reads as empty. */
export function checkpointFileCache(path: string): CheckpointCache {
  return {
    name: path,
    async read() {
      try {
        return await fs.readFile(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new PrefplayError({
          code: 'invalid-checkpoint',
          problem: `checkpoint file cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`,
          where: { file: path },
          hint: 'Check the path and its permissions',
          cause: error,
        });
      }
    },
    async write(bytes) {
      await writeFileAtomic(path, bytes);
    },
  };
}
