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
  // the same, in the layout of an experiment with cells: seed-N/<cell>/<method>/
  for (const [seed, values] of [
    [1, [0.5, 0.55]],
    [2, [0.5, 0.65]],
  ] as const) {
    const run = join(dir, 'e', `seed-${seed}`, 'kappa-4-concision-1-share-0.667', 'sppo');
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, 'metrics.jsonl'), jsonl(lines([...values])));
  }
  // an experiment's summary: verdicts, cells with per-seed curves and an exact curve
  mkdirSync(join(dir, 'f'));
  const rows = (w: number) => [
    { iteration: 0, winRateVsBase: 0.5 },
    { iteration: 1, winRateVsBase: w },
  ];
  const experiment = {
    methods: {},
    seeds: [1, 2],
    config: {},
    defaultCell: 'κ=4',
    verdicts: [
      { criterion: 'iii', cell: 'κ=4', pass: false, statement: 'SPPO ends below the base in most seeds: 1/2' },
    ],
    cells: [
      {
        label: 'κ=4',
        overconfidence: 4,
        concision: 1,
        dominantClaimShare: 2 / 3,
        methods: { sppo: { iterations: rows(0.5), perSeed: { '1': rows(0.45), '2': rows(0.55) } } },
        ideal: { 'exact SPPO': { iterations: rows(0.6) } },
        comparisons: [],
        versusClean: [],
        encoderQuality: {},
      },
    ],
    runs: [],
  };
  writeFileSync(join(dir, 'f', 'summary.json'), JSON.stringify(experiment));
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

  it('finds the runs of an interrupted experiment with cells one level deeper', async () => {
    const io = captureIo(dir);
    expect(await main(['report', 'e'], io)).toBe(0);
    expect(io.out).toMatch(/sppo @ kappa-4-concision-1-share-0\.667\s+1\s+0\.600/);
  });

  it('renders an experiment summary with its verdicts, per-seed curves and exact dynamics', async () => {
    const io = captureIo(dir);
    expect(await main(['report', 'f'], io)).toBe(0);
    expect(io.out).toMatch(/\(iii\) FAIL \[κ=4\]/);
    const html = readFileSync(join(dir, 'f', 'report.html'), 'utf8');
    expect(html.match(/class="seed"/g)?.length).toBe(2);
    expect(html).toMatch(/class="ideal"[^>]*stroke-dasharray/);
  });
});
