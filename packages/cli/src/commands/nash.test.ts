import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io.js';
import { main } from '../cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prefplay-nash-'));
  // Weighted rock-paper-scissors: rock beats scissors by 0.8, scissors beats paper by 0.4, paper beats
  // rock by 0.6. Closed form: p ∝ (0.4, 0.8, 0.6) for (rock, paper, scissors).
  const weighted = [
    [0.5, 0.2, 0.9],
    [0.8, 0.5, 0.3],
    [0.1, 0.7, 0.5],
  ];
  writeFileSync(join(dir, 'rps.json'), JSON.stringify({ matrix: weighted, labels: ['rock', 'paper', 'scissors'] }));
  writeFileSync(join(dir, 'plain.json'), JSON.stringify(weighted));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({ policy: [1, 0, 0] }));
  writeFileSync(join(dir, 'bad-policy.json'), JSON.stringify([0.5, 0.5]));
  writeFileSync(
    join(dir, 'not-constant-sum.json'),
    JSON.stringify([
      [0.5, 0.2, 0.9],
      [0.8, 0.5, 0.3],
      [0.1, 0.6, 0.5],
    ]),
  );
  writeFileSync(join(dir, 'broken.json'), '[[0.5, 0.5],\n [0.5, 0.5]\n oops');
  // As Windows editors save UTF-8: a byte-order mark first.
  writeFileSync(
    join(dir, 'bom.json'),
    `\uFEFF${JSON.stringify({ matrix: weighted, labels: ['rock', 'paper', 'scissors'] })}`,
  );
  writeFileSync(join(dir, 'bom-policy.json'), `\uFEFF${JSON.stringify([1, 0, 0])}`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prefplay nash', () => {
  it('accepts a byte-order mark at the start of the matrix and policy files', async () => {
    const plain = captureIo(dir);
    const bom = captureIo(dir);
    expect(await main(['nash', '--matrix', 'rps.json', '--policy', 'policy.json', '--json'], plain)).toBe(0);
    expect(await main(['nash', '--matrix', 'bom.json', '--policy', 'bom-policy.json', '--json'], bom)).toBe(0);
    expect(bom.err).toBe('');
    expect(bom.out).toBe(plain.out);
  });

  it('prints the closed-form winner of weighted rock-paper-scissors as JSON', async () => {
    const io = captureIo(dir);
    expect(await main(['nash', '--matrix', 'rps.json', '--json'], io)).toBe(0);
    const out = JSON.parse(io.out) as { labels: string[]; winner: number[]; value: number; exploitability: number };
    expect(out.labels).toEqual(['rock', 'paper', 'scissors']);
    [0.4 / 1.8, 0.8 / 1.8, 0.6 / 1.8].forEach((p, i) => {
      expect(out.winner[i]).toBeCloseTo(p, 10);
    });
    expect(out.value).toBeCloseTo(0.5, 10);
    expect(out.exploitability).toBeCloseTo(0, 10);
  });

  it('reports the exploitability of a given policy', async () => {
    const io = captureIo(dir);
    expect(await main(['nash', '--matrix', 'plain.json', '--policy', 'policy.json', '--json'], io)).toBe(0);
    const out = JSON.parse(io.out) as { exploitability: number; winnerExploitability: number; policy: number[] };
    // Against pure rock the best response is paper, winning with probability 0.8.
    expect(out.exploitability).toBeCloseTo(0.3, 12);
    expect(out.winnerExploitability).toBeCloseTo(0, 10);
    const table = captureIo(dir);
    expect(await main(['nash', '--matrix', 'rps.json', '--policy', 'policy.json'], table)).toBe(0);
    expect(table.out).toMatch(/paper\s+0\.444444\s+0\.000000/);
    expect(table.out).toMatch(/exploitability of policy\s+0\.300000\s+\(duality gap 0\.600000\)/);
  });

  it('rejects a matrix that is not constant-sum, naming the cell (exit 2)', async () => {
    const io = captureIo(dir);
    expect(await main(['nash', '--matrix', 'not-constant-sum.json'], io)).toBe(2);
    expect(io.err).toMatch(/not-constant-sum\.json, field "matrix\[1\]\[2\]"/);
    expect(io.out).toBe('');
  });

  it('rejects bad JSON with its line, a missing file, a bad policy and an unknown flag (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['nash', '--matrix', 'broken.json'], /broken\.json:3: not valid JSON/],
      [['nash', '--matrix', 'missing.json'], /missing\.json: no such file/],
      [['nash', '--matrix', 'plain.json', '--policy', 'bad-policy.json'], /bad-policy\.json.*2 entries/],
      [['nash', '--matrix', 'plain.json', '--fast'], /Unknown option '--fast'/],
      [['nash'], /missing --matrix/],
    ];
    for (const [argv, message] of cases) {
      const io = captureIo(dir);
      expect(await main(argv, io)).toBe(2);
      expect(io.err).toMatch(message);
      expect(io.out).toBe('');
    }
  });

  it('exits with the real status code from the built binary', () => {
    const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
    expect(existsSync(bin), `${bin} is missing: run pnpm build in packages/cli first`).toBe(true);
    const ok = spawnSync(process.execPath, [bin, 'nash', '--matrix', 'rps.json', '--json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as { value: number }).value).toBeCloseTo(0.5, 10);
    const bad = spawnSync(process.execPath, [bin, 'nash', '--matrix', 'not-constant-sum.json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/matrix\[1\]\[2\]/);
  });
});
