import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io.js';
import { main } from '../cli.js';

const row = (a: string, b: string, winner: string) => JSON.stringify({ model_a: a, model_b: b, winner });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prefplay-leaderboard-'));
  const battles: string[] = [];
  // strong beats mid 40-10, mid beats weak 40-10, strong beats weak 45-5, plus ties.
  for (let i = 0; i < 40; i++) battles.push(row('strong', 'mid', 'model_a'), row('mid', 'weak', 'model_a'));
  for (let i = 0; i < 10; i++) battles.push(row('strong', 'mid', 'model_b'), row('mid', 'weak', 'model_b'));
  for (let i = 0; i < 45; i++) battles.push(row('weak', 'strong', 'model_b'));
  for (let i = 0; i < 5; i++) battles.push(row('weak', 'strong', 'model_a'));
  battles.push(row('strong', 'weak', 'tie'), row('mid', 'weak', 'tie (bothbad)'));
  writeFileSync(join(dir, 'battles.jsonl'), `${battles.join('\n')}\n`);
  writeFileSync(
    join(dir, 'bad.jsonl'),
    `${row('a', 'b', 'model_a')}\n${row('a', 'b', 'model_b')}\n{"model_a": "a", "model_b": "b", "winner": "draw"}\n`,
  );
  writeFileSync(join(dir, 'not-json.jsonl'), `${row('a', 'b', 'model_a')}\n{oops\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prefplay leaderboard', () => {
  it('prints the models ranked as JSON on the Elo scale', async () => {
    const io = captureIo(dir);
    const code = await main(['leaderboard', '--battles', 'battles.jsonl', '--bootstrap', '50', '--json'], io);
    expect(io.err).toBe('');
    expect(code).toBe(0);
    const rows = JSON.parse(io.out) as { model: string; rating: number; ciLow: number; ciHigh: number; rank: number }[];
    expect(rows.map((r) => r.model)).toEqual(['strong', 'mid', 'weak']);
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual(['ciHigh', 'ciLow', 'model', 'rank', 'rating']);
    // Without an anchor the ratings average 1000.
    expect(rows.reduce((s, r) => s + r.rating, 0) / 3).toBeCloseTo(1000, 6);
    for (const r of rows) expect(r.ciLow).toBeLessThanOrEqual(r.ciHigh);
    expect(rows[0]?.rank).toBe(1);
  });

  it('is reproducible for a seed and shifts to an anchor', async () => {
    const first = captureIo(dir);
    const second = captureIo(dir);
    await main(['leaderboard', '--battles', 'battles.jsonl', '--seed', '7', '--json', '--anchor', 'mid=1200'], first);
    await main(['leaderboard', '--battles', 'battles.jsonl', '--seed', '7', '--json', '--anchor', 'mid=1200'], second);
    expect(first.out).toBe(second.out);
    const rows = JSON.parse(first.out) as { model: string; rating: number }[];
    expect(rows.find((r) => r.model === 'mid')?.rating).toBeCloseTo(1200, 6);
  });

  it('prints a table by default, also with Davidson ties', async () => {
    const io = captureIo(dir);
    expect(
      await main(['leaderboard', '--battles', 'battles.jsonl', '--ties', 'davidson', '--bootstrap', '20'], io),
    ).toBe(0);
    expect(io.out).toMatch(/rank\s+model\s+rating\s+95% CI/);
    expect(io.out.split('\n')[1]).toMatch(/^\s+1\s+strong/);
    expect(io.out).toMatch(/ties: davidson/);
  });

  it('reports a malformed row with its line number and prints nothing else (exit 2)', async () => {
    const io = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'bad.jsonl', '--json'], io)).toBe(2);
    expect(io.out).toBe('');
    expect(io.err).toMatch(/bad\.jsonl:3/);
    expect(io.err).toMatch(/winner/);
    const broken = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'not-json.jsonl'], broken)).toBe(2);
    expect(broken.err).toMatch(/not-json\.jsonl:2/);
    expect(broken.out).toBe('');
  });

  it('rejects a missing file, a missing flag, an unknown flag and bad values (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['leaderboard', '--battles', 'nope.jsonl'], /nope\.jsonl: no such file/],
      [['leaderboard'], /--battles/],
      [['leaderboard', '--battles', 'battles.jsonl', '--color'], /Unknown option '--color'/],
      [['leaderboard', '--battles', 'battles.jsonl', '--bootstrap', '-3'], /--bootstrap/],
      [['leaderboard', '--battles', 'battles.jsonl', '--ties', 'third'], /--ties/],
      [['leaderboard', '--battles', 'battles.jsonl', '--anchor', 'mid'], /MODEL=RATING/],
      [['leaderboard', '--battles', 'battles.jsonl', '--anchor', 'ghost=1000'], /ghost/],
    ];
    for (const [argv, message] of cases) {
      const io = captureIo(dir);
      expect(await main(argv, io)).toBe(2);
      expect(io.err).toMatch(message);
      expect(io.out).toBe('');
    }
  });

  it('passes --ridge to the fit, so a model that never lost gets a finite rating', async () => {
    writeFileSync(join(dir, 'unbeaten.jsonl'), `${row('a', 'b', 'model_a')}\n${row('b', 'c', 'model_a')}\n`);
    const failing = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'unbeaten.jsonl', '--bootstrap', '0'], failing)).not.toBe(0);
    expect(failing.err).toMatch(/ridge/);
    const io = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'unbeaten.jsonl', '--ridge', '0.1', '--json'], io)).toBe(0);
    const rows = JSON.parse(io.out) as { model: string; rating: number }[];
    expect(rows.map((r) => r.model)).toEqual(['a', 'b', 'c']);
    for (const r of rows) expect(Number.isFinite(r.rating)).toBe(true);
  });

  it('shows its help', async () => {
    const io = captureIo(dir);
    expect(await main(['leaderboard', '--help'], io)).toBe(0);
    expect(io.out).toMatch(/--anchor MODEL=RATING/);
  });
});
