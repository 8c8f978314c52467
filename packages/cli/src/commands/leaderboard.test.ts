import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io.js';
import { main } from '../cli.js';

const row = (a: string, b: string, winner: string) => JSON.stringify({ model_a: a, model_b: b, winner });
type JsonRow = {
  model: string;
  rating: number;
  variance: number;
  ratingQ025: number;
  ratingQ975: number;
  rank: number;
  numBattles: number;
};

const fixtures = fileURLToPath(new URL('../__fixtures__/', import.meta.url));
/** FastChat-style clean_battle JSON array and FastChat's ratings for it (see fastchat-battles.py). */
const fastChatJson = readFileSync(join(fixtures, 'fastchat-battles.json'), 'utf8');
const reference = JSON.parse(readFileSync(join(fixtures, 'fastchat-reference.json'), 'utf8')) as Record<
  'anonyOnly' | 'filtered',
  { battles: number; ratings: Record<string, number>; numBattles: Record<string, number> }
>;

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
  writeFileSync(join(dir, 'clean_battle.json'), fastChatJson);
  const rows = JSON.parse(fastChatJson) as unknown[];
  writeFileSync(join(dir, 'clean_battle.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  writeFileSync(join(dir, 'bom.json'), `\uFEFF${fastChatJson}`);
  // A ring of 8 teams splitting two games per adjacent pair: the fit exists, many resamples lose it.
  const ring: string[] = [];
  for (let t = 0; t < 8; t++)
    ring.push(row(`team${t}`, `team${(t + 1) % 8}`, 'model_a'), row(`team${t}`, `team${(t + 1) % 8}`, 'model_b'));
  writeFileSync(join(dir, 'ring.jsonl'), `${ring.join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prefplay leaderboard', () => {
  it('prints the models ranked as JSON on the Elo scale', async () => {
    const io = captureIo(dir);
    const code = await main(['leaderboard', '--battles', 'battles.jsonl', '--bootstrap', '50', '--json'], io);
    expect(io.err).toBe('');
    expect(code).toBe(0);
    const rows = JSON.parse(io.out) as JsonRow[];
    expect(rows.map((r) => r.model)).toEqual(['strong', 'mid', 'weak']);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'model',
      'rating',
      'variance',
      'ratingQ025',
      'ratingQ975',
      'rank',
      'numBattles',
    ]);
    // Without an anchor the ratings average 1000.
    expect(rows.reduce((s, r) => s + r.rating, 0) / 3).toBeCloseTo(1000, 6);
    for (const r of rows) {
      expect(r.ratingQ025).toBeLessThanOrEqual(r.ratingQ975);
      expect(r.variance).toBeGreaterThan(0);
    }
    expect(rows[0]?.rank).toBe(1);
    // strong: 50 battles with mid, 50 with weak, 1 tie with weak.
    expect(rows[0]?.numBattles).toBe(101);
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

  it("reads FastChat's JSON array like its JSONL form and matches FastChat's ratings with --anony-only", async () => {
    const args = ['--anony-only', '--bootstrap', '30', '--seed', '3', '--json'];
    const fromArray = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'clean_battle.json', ...args], fromArray)).toBe(0);
    const fromLines = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'clean_battle.jsonl', ...args], fromLines)).toBe(0);
    const withBom = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'bom.json', ...args], withBom)).toBe(0);
    expect(fromArray.err).toBe('');
    expect(fromLines.out).toBe(fromArray.out);
    expect(withBom.out).toBe(fromArray.out);
    const rows = JSON.parse(fromArray.out) as JsonRow[];
    const expected = reference.anonyOnly;
    expect(rows.map((r) => r.model).sort()).toEqual(Object.keys(expected.ratings).sort());
    for (const r of rows) {
      expect(r.rating).toBeCloseTo(expected.ratings[r.model] as number, 4);
      expect(r.numBattles).toBe(expected.numBattles[r.model]);
    }
    // Without --anony-only every row counts, and the ratings differ.
    const all = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'clean_battle.json', '--bootstrap', '0', '--json'], all)).toBe(0);
    const allRows = JSON.parse(all.out) as JsonRow[];
    expect(allRows.reduce((s, r) => s + r.numBattles, 0) / 2).toBe(240);
    expect(allRows.find((r) => r.model === 'gpt-4')?.rating).not.toBeCloseTo(expected.ratings['gpt-4'] as number, 1);
  });

  it('filters by language, excluded models and ties as FastChat does', async () => {
    const io = captureIo(dir);
    const argv = ['leaderboard', '--battles', 'clean_battle.json', '--anony-only', '--exclude-ties'];
    argv.push('--langs', 'English', '--langs', 'German', '--exclude-models', 'koala-13b', '--bootstrap', '0', '--json');
    expect(await main(argv, io)).toBe(0);
    const rows = JSON.parse(io.out) as JsonRow[];
    const expected = reference.filtered;
    expect(rows.map((r) => r.model).sort()).toEqual(Object.keys(expected.ratings).sort());
    for (const r of rows) {
      expect(r.rating).toBeCloseTo(expected.ratings[r.model] as number, 4);
      expect(r.numBattles).toBe(expected.numBattles[r.model]);
    }
    const table = captureIo(dir);
    const tableArgv = ['leaderboard', '--battles', 'clean_battle.jsonl', '--langs', 'English,German', '--exclude-ties'];
    tableArgv.push('--anony-only', '--exclude-models', 'koala-13b', '--bootstrap', '0');
    expect(await main(tableArgv, table)).toBe(0);
    expect(table.out).toMatch(
      new RegExp(
        `${expected.battles} of 240 battles kept \\(\\d+ in other languages, \\d+ with an excluded model, \\d+ not anonymous, \\d+ ties\\)`,
      ),
    );
  });

  it('needs "anony" for --anony-only and "language" for --langs, naming the line', async () => {
    const io = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'battles.jsonl', '--anony-only'], io)).toBe(2);
    expect(io.err).toMatch(/battles\.jsonl:1, field "anony"/);
    const langs = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'battles.jsonl', '--langs', 'English'], langs)).toBe(2);
    expect(langs.err).toMatch(/battles\.jsonl:1, field "language"/);
    const none = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'clean_battle.json', '--langs', 'Klingon'], none)).toBe(2);
    expect(none.err).toMatch(/no battles are left after filtering the 240 rows \(240 in other languages\)/);
  });

  it('finishes a 100-round bootstrap on sparse data and says how many rounds it left out', async () => {
    const json = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'ring.jsonl', '--json'], json)).toBe(0);
    const match = /(\d+) of 100 bootstrap rounds left out: .* the other (\d+)/.exec(json.err);
    expect(match).not.toBeNull();
    expect(Number(match?.[1]) + Number(match?.[2])).toBe(100);
    expect(Number(match?.[1])).toBeGreaterThan(0);
    for (const r of JSON.parse(json.out) as JsonRow[]) expect(Number.isFinite(r.ratingQ975)).toBe(true);
    const table = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'ring.jsonl'], table)).toBe(0);
    expect(table.out).toContain(`${match?.[1]} of 100 bootstrap rounds left out`);
    const ridged = captureIo(dir);
    expect(await main(['leaderboard', '--battles', 'ring.jsonl', '--ridge', '0.01', '--json'], ridged)).toBe(0);
    expect(ridged.err).toBe('');
  });

  it('shows its help', async () => {
    const io = captureIo(dir);
    expect(await main(['leaderboard', '--help'], io)).toBe(0);
    expect(io.out).toMatch(/--anchor MODEL=RATING/);
  });
});
