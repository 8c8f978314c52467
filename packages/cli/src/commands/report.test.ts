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
  const lines = [
    { kind: 'step', method: 'sppo', iteration: 1, 'loss/total': 0.2 },
    { kind: 'iteration', method: 'sppo', iteration: 0, winRateVsBase: 0.5 },
    { kind: 'iteration', method: 'sppo', iteration: 1, winRateVsBase: 0.58 },
  ];
  writeFileSync(join(dir, 'b', 'metrics.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
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
});
