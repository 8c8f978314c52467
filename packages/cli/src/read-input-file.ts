import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PrefplayError } from '@prefplay/core';

/** Reads a text file named on the command line, relative to `cwd`; a missing file is a located error. */
export async function readInputFile(path: string, cwd: string, flag: string): Promise<string> {
  const full = resolve(cwd, path);
  try {
    return await readFile(full, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PrefplayError({
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
}

/** Reads and parses a JSON file; a syntax error is reported with its line number. */
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
