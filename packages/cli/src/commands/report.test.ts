import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io.js';
import { main } from '../cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prefplay-report-'));
  mkdirSync(join(dir, 'a'));
  const summary = {
    methods: {
      sppo: {
        iterations: [
          { iteration: 0, winRateVsBase: 0.5 },
          { iteration: 1, winRateVsBase: 0.61 },
        ],
      },
      's-sppo': {
        iterations: [
          { iteration: 0, winRateVsBase: 0.5 },
          { iteration: 1, winRateVsBase: 0.64 },
        ],
      },
    },
    seeds: [1],
    config: {},
  };
  writeFileSync(join(dir, 'a', 'summary.json'), JSON.stringify(summary));
  mkdirSync(join(dir, 'b'));
  const time = '2026-01-01T00:00:00.000Z';
  const lines = (sppo: number[]) => [
    { kind: 'step', run: 'sppo', iteration: 1, step: 1, time, epoch: 0, loss: 0.2, grad_norm: 1, learning_rate: 0.1 },
    ...sppo.map((w, iteration) => ({
      kind: 'iteration',
      run: 'sppo',
      iteration,
      step: iteration,
      time,
      metrics: { iteration, winRateVsBase: w },
    })),
  ];
  const jsonl = (records: unknown[]) => `${records.map((l) => JSON.stringify(l)).join('\n')}\n`;
  writeFileSync(join(dir, 'b', 'metrics.jsonl'), jsonl(lines([0.5, 0.58])));
  // an interrupted experiment: no summary yet; seed 1 finished iteration 2, seed 2 only iteration 1
  for (const [seed, values] of [
    [1, [0.5, 0.6, 0.7]],
    [2, [0.5, 0.4]],
  ] as const) {
    mkdirSync(join(dir, 'd', `seed-${seed}`, 'sppo'), { recursive: true });
    writeFileSync(join(dir, 'd', `seed-${seed}`, 'sppo', 'metrics.jsonl'), jsonl(lines([...values])));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prefplay report', () => {
  it('rebuilds report.html from summary.json', async () => {
    const io = captureIo(dir);
    expect(await main(['report', 'a'], io)).toBe(0);
    const html = readFileSync(join(dir, 'a', 'report.html'), 'utf8');
    expect(html.match(/<polyline/g)?.length).toBe(2);
    expect(io.out).toMatch(/s-sppo\s+1\s+0\.640/);
  });

  it('falls back to metrics.jsonl and refuses an empty directory', async () => {
    const io = captureIo(dir);
    expect(await main(['report', 'b'], io)).toBe(0);
    expect(io.out).toMatch(/sppo\s+1\s+0\.580/);
    const empty = captureIo(dir);
    mkdirSync(join(dir, 'c'));
    expect(await main(['report', 'c'], empty)).toBe(2);
    expect(empty.err).toMatch(/neither summary\.json nor metrics\.jsonl/);
  });

  it('renders the complete iterations of an interrupted experiment from its per-seed runs', async () => {
    const io = captureIo(dir);
    expect(await main(['report', 'd'], io)).toBe(0);
    // iterations 0 and 1 are complete in both seeds: the mean at iteration 1 is (0.6 + 0.4) / 2
    expect(io.out).toMatch(/sppo\s+1\s+0\.500/);
    expect(readFileSync(join(dir, 'd', 'report.html'), 'utf8')).toContain('<polyline');
  });
});
