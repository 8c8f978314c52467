import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '@prefplay/core';
import {
  aggregateBattles,
  aggregateBattleTable,
  type Battle,
  type BattleTable,
  bootstrapBradleyTerry,
  eloRatings,
  fitBradleyTerry,
} from '@prefplay/preference';
import type { BenchCase } from '../bench-case.js';
import { formatSpread, median, spreadFields } from '../rounds.js';

const models = 100;
const battleCount = 1_000_000;
const bootstrapRounds = 100;
const tieProbability = 0.1;
const python = '/usr/bin/python3';

/** Seeded battles: true strengths θ ~ N(0, 0.8²); a tie with probability 0.1, else a wins with σ(θ_a − θ_b). */
function makeBattles(): { table: BattleTable; triples: Int32Array } {
  const rng = createRng(20_260_501);
  const names = Array.from({ length: models }, (_, i) => `model-${String(i).padStart(3, '0')}`);
  const theta = names.map(() => 0.8 * rng.normal());
  const triples = new Int32Array(3 * battleCount);
  const modelA = new Int32Array(battleCount);
  const modelB = new Int32Array(battleCount);
  const outcomes = new Uint8Array(battleCount);
  for (let k = 0; k < battleCount; k++) {
    const a = rng.int(models);
    let b = rng.int(models - 1);
    if (b >= a) b++;
    const u = rng.next();
    const outcome =
      u < tieProbability ? 2 : rng.next() < 1 / (1 + Math.exp((theta[b] as number) - (theta[a] as number))) ? 0 : 1;
    triples[3 * k] = a;
    triples[3 * k + 1] = b;
    triples[3 * k + 2] = outcome;
    modelA[k] = a;
    modelB[k] = b;
    outcomes[k] = outcome;
  }
  return { table: { models: names, modelA, modelB, outcome: outcomes }, triples };
}

/** The same battles as one object each, as `readBattles` returns them. */
function battleObjects(table: BattleTable): Battle[] {
  const winners = ['model_a', 'model_b', 'tie'] as const;
  return Array.from({ length: table.modelA.length }, (_, k) => ({
    modelA: table.models[table.modelA[k] as number] as string,
    modelB: table.models[table.modelB[k] as number] as string,
    winner: winners[table.outcome[k] as number] as Battle['winner'],
  }));
}

type PythonResult = {
  aggregateMs: number;
  fitMs: number;
  bootstrapMs: number;
  totalMs: number;
  cpuMs: number;
  ratings: Record<string, number>;
};

function runPython(scriptName: string, input: string, rounds: number, requirement: string): PythonResult | string {
  const script = fileURLToPath(new URL(`../../python/${scriptName}`, import.meta.url));
  if (!existsSync(python)) return `${python} not found`;
  const probe = spawnSync(python, ['-c', `import ${requirement}`], { encoding: 'utf8' });
  if (probe.status !== 0)
    return `${scriptName} needs ${requirement} (Debian python3-numpy, python3-scipy, python3-pandas)`;
  const child = spawnSync(
    python,
    [script, '--input', input, '--models', String(models), '--rounds', String(rounds), '--seed', '0'],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 30 * 60 * 1000,
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
    },
  );
  if (child.status !== 0) return `${scriptName} failed (${child.status}): ${child.stderr.slice(-500)}`;
  const parsed = JSON.parse(child.stdout) as PythonResult | { skipped: string };
  return 'skipped' in parsed ? parsed.skipped : parsed;
}

/**
 * Aggregate once, fit, bootstrap: what the numpy baseline does, through our public API, from the
 * same input (battles as integer model ids and outcome codes).
 */
function measureOurs(table: BattleTable) {
  const start = performance.now();
  const counts = aggregateBattleTable(table);
  const aggregated = performance.now();
  const fit = fitBradleyTerry(counts);
  const fitted = performance.now();
  bootstrapBradleyTerry(counts, { rounds: bootstrapRounds, seed: 0 });
  const done = performance.now();
  return {
    totalMs: done - start,
    aggregateMs: aggregated - start,
    fitMs: fitted - aggregated,
    bootstrapMs: done - fitted,
    theta: fit.theta,
  };
}

/**
 * Bradley-Terry leaderboard (aggregation, fit, 100 bootstrap rounds) at arena scale, against the
 * strong numpy baseline in interleaved rounds, and once against FastChat's `compute_mle_elo`.
 */
export const bradleyTerryCase: BenchCase = {
  name: 'bradley-terry',
  description: `${battleCount.toLocaleString('en')} seeded battles among ${models} models as integer columns (the numpy baseline's input): aggregate, Bradley-Terry fit and ${bootstrapRounds} bootstrap rounds, vs numpy (aggregated counts, Newton/Cholesky, multinomial bootstrap; medians and ranges of interleaved rounds) and FastChat's compute_mle_elo (pandas + scipy; run once, extrapolated from fewer bootstrap rounds)`,
  async run({ log, rounds = 5, quick = false }) {
    const { table, triples } = makeBattles();
    const dir = mkdtempSync(join(tmpdir(), 'prefplay-bench-bt-'));
    const input = join(dir, 'battles.bin');
    writeFileSync(input, new Uint8Array(triples.buffer, triples.byteOffset, triples.byteLength));
    const ours: number[] = [];
    const numpy: number[] = [];
    const parts = {
      ours: { aggregate: [] as number[], bootstrap: [] as number[] },
      numpy: { aggregate: [] as number[], bootstrap: [] as number[] },
    };
    // Aggregation from one object per battle (what `readBattles` returns), a row of its own.
    const fromObjects: number[] = [];
    const ratios: number[] = [];
    let note: string | undefined;
    let worst = 0;
    try {
      for (let round = 0; round < rounds; round++) {
        const mine = measureOurs(table);
        ours.push(mine.totalMs);
        const theirs =
          note === undefined ? runPython('bradley_terry_numpy.py', input, bootstrapRounds, 'numpy, scipy') : note;
        if (typeof theirs === 'string') {
          note = theirs;
          log(`  round ${round + 1}: ours ${mine.totalMs.toFixed(0)} ms; numpy baseline skipped: ${theirs}`);
          continue;
        }
        numpy.push(theirs.totalMs);
        parts.ours.aggregate.push(mine.aggregateMs);
        parts.ours.bootstrap.push(mine.bootstrapMs);
        parts.numpy.aggregate.push(theirs.aggregateMs);
        parts.numpy.bootstrap.push(theirs.bootstrapMs);
        ratios.push(theirs.totalMs / mine.totalMs);
        const elo = eloRatings(mine.theta);
        elo.forEach((rating, i) => {
          const other = theirs.ratings[`model-${String(i).padStart(3, '0')}`];
          if (other !== undefined) worst = Math.max(worst, Math.abs(rating - other));
        });
        log(
          `  round ${round + 1}: ours ${mine.totalMs.toFixed(0)} ms (aggregate ${mine.aggregateMs.toFixed(0)}, fit ${mine.fitMs.toFixed(0)}, bootstrap ${mine.bootstrapMs.toFixed(0)}), numpy ${theirs.totalMs.toFixed(0)} ms (aggregate ${theirs.aggregateMs.toFixed(0)}, fit ${theirs.fitMs.toFixed(0)}, bootstrap ${theirs.bootstrapMs.toFixed(0)})`,
        );
      }
      // After the rounds, so that a million live objects do not weigh on the garbage collector during them.
      const battles = battleObjects(table);
      for (let round = 0; round < rounds; round++) {
        const objectsStart = performance.now();
        aggregateBattles(battles);
        fromObjects.push(performance.now() - objectsStart);
      }
      const fastChatRounds = quick ? 2 : 10;
      log(`  running the FastChat-style baseline once (${fastChatRounds} bootstrap rounds in pandas/scipy)...`);
      const fastChat = runPython('bradley_terry.py', input, fastChatRounds, 'numpy, scipy, pandas');
      const result: Record<string, number | string | null> = {
        ...spreadFields('btMs', ours),
        ...spreadFields('btNumpyMs', numpy),
        ...spreadFields('bradleyTerryRatioVsNumpy', ratios),
        ...spreadFields('btAggregateMs', parts.ours.aggregate),
        ...spreadFields('btAggregateFromObjectsMs', fromObjects),
        ...spreadFields('btBootstrapMs', parts.ours.bootstrap),
        ...spreadFields('btNumpyAggregateMs', parts.numpy.aggregate),
        ...spreadFields('btNumpyBootstrapMs', parts.numpy.bootstrap),
        btMaxRatingDiffVsNumpy: numpy.length > 0 ? worst : null,
      };
      if (note !== undefined) result.btNumpyNote = note;
      log(`  ours ${formatSpread(ours, 0)} ms, numpy ${formatSpread(numpy, 0)} ms, ratio ${formatSpread(ratios, 2)}`);
      log(`  aggregation from battle objects (not in the ratio): ${formatSpread(fromObjects, 0)} ms`);
      if (typeof fastChat === 'string') {
        result.btFastChatNote = fastChat;
        log(`  FastChat-style baseline skipped: ${fastChat}`);
      } else {
        // Every bootstrap round refits from scratch at the same cost, so 100 rounds cost fit + 100 × one round.
        const extrapolated = fastChat.fitMs + (bootstrapRounds * fastChat.bootstrapMs) / fastChatRounds;
        result.btFastChatMs = extrapolated;
        result.btFastChatMeasuredRounds = fastChatRounds;
        result.bradleyTerryRatioVsFastChat = extrapolated / median(ours);
      }
      return result;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
