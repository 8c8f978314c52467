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
});
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
});
