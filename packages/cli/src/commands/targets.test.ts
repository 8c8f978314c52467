import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io.js';
import { main } from '../cli.js';

let dir: string;
const m = [
  [0.5, 0.9, 0.8],
  [0.1, 0.5, 0.6],
  [0.2, 0.4, 0.5],
];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prefplay-targets-'));
  const rows = [
    {
      prompt: 'q1',
      responses: ['a', 'b', 'c'],
      matrix: m,
      embeddings: [
        [1, 0],
        [1, 0],
        [0, 2],
      ],
    },
    {
      prompt: 'q2',
      responses: ['x', 'y'],
      matrix: [
        [0.5, 0.3],
        [0.7, 0.5],
      ],
    },
  ];
  writeFileSync(join(dir, 'rows.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const bad = [
    rows[0],
    {
      ...rows[1],
      matrix: [
        [0.5, 0.3],
        [0.6, 0.5],
      ],
    },
  ];
  writeFileSync(join(dir, 'bad.jsonl'), `${bad.map((r) => JSON.stringify(r)).join('\n')}\n`);
  writeFileSync(join(dir, 'shape.jsonl'), `${JSON.stringify({ ...rows[1], matrix: [[0.5]] })}\n`);
  // As Windows editors save UTF-8: a byte-order mark before the first row.
  writeFileSync(join(dir, 'bom.jsonl'), `\uFEFF${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const zero = {
    ...rows[0],
    embeddings: [
      [1, 0],
      [0, 0],
      [0, 2],
    ],
  };
  writeFileSync(join(dir, 'zero.jsonl'), `${JSON.stringify(rows[1])}\n${JSON.stringify(zero)}\n`);
});

const readJsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prefplay targets', () => {
  it('writes the official SPPO columns, by hand on a 3×3 and a 2×2 matrix', async () => {
    const io = captureIo(dir);
    expect(await main(['targets', '--input', 'rows.jsonl'], io)).toBe(0);
    const out = io.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ prompt: 'q1', chosen: 'a', rejected: 'c', chosen_probs: 0.8, gate: null });
    expect(out[0].chosen_probs_win).toBeCloseTo(2.2 / 3, 12);
    expect(out[0].chosen_probs_lose).toBeCloseTo(1.1 / 3, 12);
    expect(out[0].similarity).toBe(0);
    // 2×2: p̂ = (0.4, 0.6) → chosen y, rejected x, M_wl = 0.7
    expect(out[1]).toMatchObject({ chosen: 'y', rejected: 'x', chosen_probs: 0.7, similarity: null });
    expect(out[1].chosen_probs_win).toBeCloseTo(0.6, 12);
  });

  it('gates the matrix with --method s-sppo before taking targets', async () => {
    const io = captureIo(dir);
    expect(await main(['targets', '--input', 'rows.jsonl', '--method', 's-sppo', '--output', 'out.jsonl'], io)).toBe(0);
    const out = readFileSync(join(dir, 'out.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // a and b are identical in meaning (s = 1, g = 0): M̃01 = 1/2 → p̂ = (1.8, 1.6, 1.1)/3
    expect(out[0]).toMatchObject({ chosen: 'a', rejected: 'c', chosen_probs: 0.8, similarity: 0, gate: 1 });
    expect(out[0].chosen_probs_win).toBeCloseTo(1.8 / 3, 12);
    expect(io.out).toBe('');
  });

  it('reports a malformed row with its line number and writes nothing', async () => {
    const io = captureIo(dir);
    expect(await main(['targets', '--input', 'bad.jsonl', '--output', 'never.jsonl'], io)).toBe(2);
    expect(io.err).toMatch(/bad\.jsonl:2/);
    expect(existsSync(join(dir, 'never.jsonl'))).toBe(false);
    expect(io.out).toBe('');
    const shape = captureIo(dir);
    expect(await main(['targets', '--input', 'shape.jsonl'], shape)).toBe(2);
    expect(shape.err).toMatch(/shape\.jsonl:1.*matrix/);
  });

  it('accepts a byte-order mark at the start of the input', async () => {
    const plain = captureIo(dir);
    const bom = captureIo(dir);
    expect(await main(['targets', '--input', 'rows.jsonl'], plain)).toBe(0);
    expect(await main(['targets', '--input', 'bom.jsonl'], bom)).toBe(0);
    expect(bom.err).toBe('');
    expect(bom.out).toBe(plain.out);
  });

  it('rejects an all-zero embedding, naming the row and the index', async () => {
    const io = captureIo(dir);
    expect(await main(['targets', '--input', 'zero.jsonl', '--method', 's-sppo'], io)).toBe(2);
    expect(io.err).toMatch(/zero\.jsonl:2, field "embeddings\[1\]": invalid row: embeddings\[1\] is all zeros/);
    expect(io.out).toBe('');
  });

  it('--format uclaml writes the folder the official SPPO trainer loads: train and test splits, its columns only', async () => {
    const io = captureIo(dir);
    expect(await main(['targets', '--input', 'rows.jsonl', '--format', 'uclaml', '--output', 'sppo_score'], io)).toBe(
      0,
    );
    const train = readJsonl(join(dir, 'sppo_score', 'train.jsonl'));
    const test = readJsonl(join(dir, 'sppo_score', 'test.jsonl'));
    // scripts/compute_prob.py writes exactly these columns; sppo/run_sppo.py keeps the three
    // probabilities and builds prompt/chosen/rejected text from the message lists.
    for (const row of train) {
      expect(Object.keys(row)).toEqual(['chosen', 'rejected', 'chosen_probs', 'chosen_probs_win', 'chosen_probs_lose']);
    }
    expect(train[0].chosen).toEqual([
      { content: 'q1', role: 'user' },
      { content: 'a', role: 'assistant' },
    ]);
    expect(train[0].rejected).toEqual([
      { content: 'q1', role: 'user' },
      { content: 'c', role: 'assistant' },
    ]);
    expect(train[0].chosen_probs).toBe(0.8);
    expect(train[0].chosen_probs_win).toBeCloseTo(2.2 / 3, 12);
    expect(train[0].chosen_probs_lose).toBeCloseTo(1.1 / 3, 12);
    // sppo/alignment/data.py apply_chat_template: the prompt is chosen[:-1], the answers the last turns.
    for (const row of train) {
      expect(row.chosen.slice(0, -1)).toEqual(row.rejected.slice(0, -1));
      expect(row.chosen.at(-1).role).toBe('assistant');
    }
    // Fewer than 500 rows: the test split is all of them, as a sample of train.
    expect(test).toHaveLength(2);
    expect(test).toEqual(train);
    expect(io.err).toMatch(/wrote 2 rows to .*train\.jsonl and 2 of them, sampled with seed 0, to .*test\.jsonl/);
    const one = captureIo(dir);
    const argv = ['targets', '--input', 'rows.jsonl', '--format', 'uclaml', '--output', 'one', '--test-rows', '1'];
    expect(await main(argv, one)).toBe(0);
    const sampled = readJsonl(join(dir, 'one', 'test.jsonl'));
    expect(sampled).toHaveLength(1);
    expect(train).toContainEqual(sampled[0]);
    const noFolder = captureIo(dir);
    expect(await main(['targets', '--input', 'rows.jsonl', '--format', 'uclaml'], noFolder)).toBe(2);
    expect(noFolder.err).toMatch(/needs --output DIR/);
  });

  it("--format trl writes TRL's standard and conversational preference rows", async () => {
    const standard = captureIo(dir);
    expect(await main(['targets', '--input', 'rows.jsonl', '--format', 'trl'], standard)).toBe(0);
    expect(
      standard.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { prompt: 'q1', chosen: 'a', rejected: 'c' },
      { prompt: 'q2', chosen: 'y', rejected: 'x' },
    ]);
    const conversational = captureIo(dir);
    expect(await main(['targets', '--input', 'rows.jsonl', '--format', 'trl', '--messages'], conversational)).toBe(0);
    expect(JSON.parse(conversational.out.split('\n')[0] as string)).toEqual({
      prompt: [{ role: 'user', content: 'q1' }],
      chosen: [{ role: 'assistant', content: 'a' }],
      rejected: [{ role: 'assistant', content: 'c' }],
    });
    const bad = captureIo(dir);
    expect(await main(['targets', '--input', 'rows.jsonl', '--format', 'parquet'], bad)).toBe(2);
    expect(bad.err).toMatch(/format/);
  });
});
