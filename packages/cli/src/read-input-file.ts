import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PrefplayError } from '@prefplay/core';

function unreadable(error: unknown, path: string, flag: string): PrefplayError {
  const code = (error as NodeJS.ErrnoException).code;
  return new PrefplayError({
    code: 'invalid-input',
    problem:
      code === 'ENOENT'
        ? `no such file (given to ${flag})`
        : `cannot read the file given to ${flag} (${code ?? (error as Error).message})`,
    where: { file: path },
    hint: 'Check the path; relative paths are resolved from the current directory',
    cause: error,
  });
}

/** Drops a UTF-8 byte-order mark (U+FEFF) at the start of a text, as editors on Windows write it. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Reads a text file named on the command line, relative to `cwd`, without a leading byte-order
 * mark; a missing file is a located error.
 */
export async function readInputFile(path: string, cwd: string, flag: string): Promise<string> {
  try {
    return stripBom(await readFile(resolve(cwd, path), 'utf8'));
  } catch (error) {
    throw unreadable(error, path, flag);
  }
}

/**
 * The text of a file named on the command line, as UTF-8 chunks of about a megabyte, for inputs too
 * large to hold as one string. A byte-order mark is left to the consumer.
 */
export async function* readInputChunks(path: string, cwd: string, flag: string): AsyncGenerator<string> {
  const stream = createReadStream(resolve(cwd, path), { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) yield chunk as string;
  } catch (error) {
    throw unreadable(error, path, flag);
  } finally {
    stream.destroy();
  }
}

/** Reads and parses a JSON file (a leading byte-order mark is skipped); a syntax error is reported with its line number. */
export async function readJsonFile(path: string, cwd: string, flag: string): Promise<unknown> {
  const text = await readInputFile(path, cwd, flag);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const line = position?.[1] !== undefined ? text.slice(0, Number(position[1])).split('\n').length : undefined;
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `not valid JSON (${message})`,
      where: line !== undefined ? { file: path, line } : { file: path },
      hint: `Give ${flag} a JSON file`,
      cause: error,
    });
  }
}
