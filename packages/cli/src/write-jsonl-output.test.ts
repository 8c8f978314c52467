import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from './__fixtures__/capture-io.js';
import { writeJsonlOutput } from './write-jsonl-output.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prefplay-jsonl-output-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeJsonlOutput', () => {
  it('prints one row per line to stdout without --output', async () => {
    const io = captureIo(dir);
    await writeJsonlOutput(io, undefined, ['{"a":1}', '{"a":2}']);
    expect(io.out).toBe('{"a":1}\n{"a":2}\n');
    expect(io.err).toBe('');
  });

  it('writes the file named by --output, relative to the working directory, and says so on stderr', async () => {
    const io = captureIo(dir);
    await writeJsonlOutput(io, 'nested/out.jsonl', ['{"a":1}', '{"a":2}', '{"a":3}']);
    const path = join(dir, 'nested', 'out.jsonl');
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"a":2}\n{"a":3}\n');
    expect(io.out).toBe('');
    expect(io.err).toBe(`wrote 3 rows to ${path}\n`);
  });

  it('writes an empty file for no rows', async () => {
    const io = captureIo(dir);
    await writeJsonlOutput(io, 'empty.jsonl', []);
    expect(readFileSync(join(dir, 'empty.jsonl'), 'utf8')).toBe('');
    expect(io.err).toMatch(/^wrote 0 rows to /);
  });
});
