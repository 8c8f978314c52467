import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '@prefplay/core';
import { type Battle, bootstrapBradleyTerry, eloRatings, fitBradleyTerry } from '@prefplay/preference';
import type { BenchCase } from '../bench-case.js';

const models = 100;
const battleCount = 1_000_000;
const rounds = 100;
const tieProbability = 0.1;
const python = '/usr/bin/python3';

/** Seeded battles: true strengths θ ~ N(0, 0.8²); a tie with probability 0.1, else a wins with σ(θ_a − θ_b). */
function makeBattles(): { battles: Battle[]; triples: Int32Array; names: string[] } {
  const rng = createRng(20_260_501);
  const names = Array.from({ length: models }, (_, i) => `model-${String(i).padStart(3, '0')}`);
  const theta = names.map(() => 0.8 * rng.normal());
  const battles: Battle[] = new Array(battleCount);
  const triples = new Int32Array(3 * battleCount);
  for (let k = 0; k < battleCount; k++) {
    const a = rng.int(models);
    let b = rng.int(models - 1);
    if (b >= a) b++;
    const u = rng.next();
    const outcome =
      u < tieProbability ? 2 : rng.next() < 1 / (1 + Math.exp((theta[b] as number) - (theta[a] as number))) ? 0 : 1;
    battles[k] = {
      modelA: names[a] as string,
      modelB: names[b] as string,
      winner: outcome === 0 ? 'model_a' : outcome === 1 ? 'model_b' : 'tie',
    };
    triples[3 * k] = a;
    triples[3 * k + 1] = b;
    triples[3 * k + 2] = outcome;
  }
  return { battles, triples, names };
}

type PythonResult = {
  fitMs: number;
  bootstrapMs: number;
  totalMs: number;
  cpuMs: number;
  ratings: Record<string, number>;
};

function runPython(triples: Int32Array, log: (line: string) => void): PythonResult | string {
  const script = fileURLToPath(new URL('../../python/bradley_terry.py', import.meta.url));
  if (!existsSync(python)) return `${python} not found`;
  const probe = spawnSync(python, ['-c', 'import numpy, scipy, pandas'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return 'python baseline needs numpy, scipy and pandas (apt-get install -y python3-numpy python3-scipy python3-pandas)';
  }
  const dir = mkdtempSync(join(tmpdir(), 'prefplay-bench-bt-'));
  try {
    const input = join(dir, 'battles.bin');
    writeFileSync(input, new Uint8Array(triples.buffer, triples.byteOffset, triples.byteLength));
    log(`  running the FastChat-style baseline (${rounds} bootstrap rounds in pandas/scipy)...`);
    const child = spawnSync(
      python,
      [script, '--input', input, '--models', String(models), '--rounds', String(rounds), '--seed', '0'],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60 * 1000 },
    );
    if (child.status !== 0) return `python baseline failed (${child.status}): ${child.stderr.slice(-500)}`;
    const parsed = JSON.parse(child.stdout) as PythonResult | { skipped: string };
    return 'skipped' in parsed ? parsed.skipped : parsed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bradley-Terry leaderboard fit + bootstrap at arena scale, against FastChat's `compute_mle_elo`. */
export const bradleyTerryCase: BenchCase = {
  name: 'bradley-terry',
  description: `${battleCount.toLocaleString('en')} seeded battles among ${models} models: Bradley-Terry fit + ${rounds} bootstrap rounds, vs FastChat compute_mle_elo (pandas + scipy)`,
  async run({ log }) {
    const { battles, triples } = makeBattles();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const fit = fitBradleyTerry(battles);
    const fitted = performance.now();
    bootstrapBradleyTerry(battles, { rounds, seed: 0 });
    const done = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    const btMs = done - start;
    log(`  ours: fit ${(fitted - start).toFixed(0)} ms, bootstrap ${(done - fitted).toFixed(0)} ms`);
    const result: Record<string, number | string | null> = {
      btMs,
      btFitMs: fitted - start,
      btCpuMs: (cpu.user + cpu.system) / 1000,
      btPythonMs: null,
      btRatioVsPython: null,
    };
    const baseline = runPython(triples, log);
    if (typeof baseline === 'string') {
      log(`  baseline skipped: ${baseline}`);
      result.btPythonNote = baseline;
      return result;
    }
    const ours = eloRatings(fit.theta);
    let worst = 0;
    fit.models.forEach((model, i) => {
      const theirs = baseline.ratings[model];
      if (theirs !== undefined) worst = Math.max(worst, Math.abs((ours[i] as number) - theirs));
    });
    result.btPythonMs = baseline.totalMs;
    result.btPythonFitMs = baseline.fitMs;
    result.btRatioVsPython = baseline.totalMs / btMs;
    result.btPythonCpuMs = baseline.cpuMs;
    result.btCpuRatioVsPython = baseline.cpuMs / ((cpu.user + cpu.system) / 1000);
    result.btMaxRatingDiffVsPython = worst;
    return result;
  },
};
