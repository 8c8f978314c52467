import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io.js';
import { main } from '../cli.js';

// Tiny model folders made by packages/policies/scripts/make-hugging-face-fixtures.py.
const fixtures = fileURLToPath(new URL('../../../policies/src/hugging-face/__fixtures__/', import.meta.url));
let dir: string;
const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prefplay-generate-'));
  writeFileSync(
    join(dir, 'prompts.jsonl'),
    `${[
      { id: 'a', prompt: 'The cat' },
      { id: 'b', prompt: [{ role: 'user', content: 'What is the capital of France?' }] },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n')}\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const generate = async (extra: string[]) => {
  const io = captureIo(dir);
  const code = await main(
    ['generate', '--model', join(fixtures, 'qwen2-tiny-f16'), '--input', 'prompts.jsonl', '--samples', '3', ...extra],
    io,
  );
  return { code, io };
};

describe('prefplay generate', () => {
  it('writes K samples per prompt with log-probs, finish reasons and seeds; the same seed gives the same output', async () => {
    const first = await generate(['--seed', '7', '--max-new-tokens', '6', '--top-k', '50']);
    expect(first.code).toBe(0);
    const rows = lines(first.io.out);
    expect(rows.map((r) => r.id)).toEqual(['a', 'b']);
    for (const row of rows) {
      expect(row.responses).toHaveLength(3);
      expect(row.samples).toHaveLength(3);
      for (const [k, sample] of row.samples.entries()) {
        expect(sample.text).toBe(row.responses[k]);
        expect(sample.tokens.length).toBeGreaterThan(0);
        expect(sample.tokens.length).toBeLessThanOrEqual(6);
        expect(['stop', 'length']).toContain(sample.finishReason);
        if (sample.finishReason === 'length') expect(sample.tokens).toHaveLength(6);
        expect(Number.isFinite(sample.logprob) && sample.logprob < 0).toBe(true);
        expect(sample.seed).toBe(7);
      }
    }
    expect(rows[0].settings).toMatchObject({ temperature: 1, topK: 50, maxNewTokens: 6 });
    // Every end token of the folder stops a response: the fixture's generation_config.json lists
    // <|im_end|> (also tokenizer_config.json's eos_token) and </s>.
    const ends: number[] = JSON.parse(
      readFileSync(join(fixtures, 'qwen2-tiny-f16', 'generation_config.json'), 'utf8'),
    ).eos_token_id;
    expect(ends).toHaveLength(2);
    expect(rows[0].settings.eosTokenIds).toEqual(ends);
    for (const sample of rows.flatMap((row) => row.samples)) {
      const firstEnd = sample.tokens.findIndex((t: number) => ends.includes(t));
      expect(firstEnd).toBe(sample.finishReason === 'stop' ? sample.tokens.length - 1 : -1);
    }
    expect(
      (await generate(['--seed', '7', '--max-new-tokens', '6', '--top-k', '50', '--batch-size', '2'])).io.out,
    ).toBe(first.io.out);
    expect((await generate(['--seed', '8', '--max-new-tokens', '6', '--top-k', '50'])).io.out).not.toBe(first.io.out);
  });

  it('decodes greedily at temperature 0 and its rows feed prefplay targets once judged', async () => {
    const greedy = await generate(['--temperature', '0', '--max-new-tokens', '4', '--output', 'samples.jsonl']);
    expect(greedy.code).toBe(0);
    const rows = lines(readFileSync(join(dir, 'samples.jsonl'), 'utf8'));
    for (const row of rows) expect(new Set(row.responses).size).toBe(1);
    // An external judge adds a constant-sum matrix; targets reads the rows.
    const judged = rows.map((row) => ({
      prompt: typeof row.prompt === 'string' ? row.prompt : row.prompt[0].content,
      responses: row.responses,
      matrix: [
        [0.5, 0.6, 0.7],
        [0.4, 0.5, 0.6],
        [0.3, 0.4, 0.5],
      ],
    }));
    writeFileSync(join(dir, 'judged.jsonl'), `${judged.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const io = captureIo(dir);
    expect(await main(['targets', '--input', 'judged.jsonl'], io)).toBe(0);
    expect(lines(io.out)[0]).toMatchObject({ chosen: rows[0].responses[0], chosen_probs: 0.7 });
  });

  it('needs --samples and a valid temperature', async () => {
    const io = captureIo(dir);
    expect(await main(['generate', '--model', join(fixtures, 'gpt2-tiny'), '--input', 'prompts.jsonl'], io)).toBe(2);
    expect(io.err).toContain('generate needs --samples');
    const bad = await generate(['--temperature=-1']);
    expect(bad.code).toBe(2);
    expect(bad.io.err).toMatch(/"temperature"/);
  });
});
