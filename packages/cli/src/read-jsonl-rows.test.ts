import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrefplayError } from '@prefplay/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseJsonlRow, readJsonlRows } from './read-jsonl-rows.js';

const schema = z.object({ prompt: z.string(), k: z.number().int().optional() });
const where = { file: 'rows.jsonl', line: 7, shape: '{prompt, k?}' };

/** The error `run` throws. */
function thrown(run: () => unknown): PrefplayError {
  try {
    run();
  } catch (error) {
    if (PrefplayError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a PrefplayError');
}

describe('parseJsonlRow', () => {
  it('returns the parsed row and the object as written', () => {
    const row = parseJsonlRow('{"prompt":"q","k":2,"extra":true}', schema, where);
    expect(row.value).toEqual({ prompt: 'q', k: 2 });
    expect(row.raw).toEqual({ prompt: 'q', k: 2, extra: true });
  });

  it('names the file and line of a line that is not JSON', () => {
    const error = thrown(() => parseJsonlRow('{"prompt": ', schema, where));
    expect(error.code).toBe('invalid-input');
    expect(error.where).toEqual({ file: 'rows.jsonl', line: 7 });
    expect(error.message).toMatch(/not valid JSON/);
    expect(error.message).toContain('{prompt, k?}');
  });

  it('names the field of a row that does not fit the schema', () => {
    const error = thrown(() => parseJsonlRow('{"prompt":"q","k":1.5}', schema, where));
    expect(error.where).toEqual({ file: 'rows.jsonl', line: 7, field: 'k' });
    expect(error.message).toMatch(/invalid row: "k"/);
  });
});

describe('readJsonlRows', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prefplay-jsonl-rows-'));
    writeFileSync(join(dir, 'rows.jsonl'), '{"prompt":"a"}\n\n{"prompt":"b","k":3}\n');
    writeFileSync(join(dir, 'bad.jsonl'), '{"prompt":"a"}\n{"prompt":1}\n');
    writeFileSync(join(dir, 'empty.jsonl'), '\n  \n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the line number of every non-empty line', async () => {
    const rows = await readJsonlRows('rows.jsonl', dir, '--input', schema, '{prompt, k?}');
    expect(rows.map((r) => [r.line, r.value.prompt])).toEqual([
      [1, 'a'],
      [3, 'b'],
    ]);
  });

  it('reports a bad line with the resolved file and its line, and a file without rows', async () => {
    await expect(readJsonlRows('bad.jsonl', dir, '--input', schema, '{prompt, k?}')).rejects.toMatchObject({
      where: { file: join(dir, 'bad.jsonl'), line: 2, field: 'prompt' },
    });
    await expect(readJsonlRows('empty.jsonl', dir, '--input', schema, '{prompt, k?}')).rejects.toThrow(
      /the file has no rows/,
    );
  });
});
