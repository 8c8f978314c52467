import { createRng, PrefplayError, parseOptions } from '@prefplay/core';
import { z } from 'zod';
import { type BattleCounts, withCounts } from './aggregate-battles.js';
import { assertMleExists } from './comparison-graph.js';
import {
  applyAnchor,
  type BattleData,
  coreSettings,
  fitBradleyTerryOptionsSchema,
  fitCounts,
  resolveAnchor,
  toCounts,
} from './fit-bradley-terry.js';
import { multinomialSampler } from './sample-binomial.js';

export const bootstrapBradleyTerryOptionsSchema = fitBradleyTerryOptionsSchema.extend({
  rounds: z.number().int().min(1).max(100_000),
  seed: z.number().int(),
  /**
   * What to do with a resample whose unpenalised maximum-likelihood estimate does not exist (a
   * model that never wins or never loses in it, or a group that never loses to the rest; only
   * possible with `ridge: 0`): `skip` leaves the round out and lists it in `skippedRounds`, `error`
   * throws naming the round.
   */
  missingMle: z.enum(['skip', 'error']).default('skip'),
});

export type BootstrapBradleyTerryOptions = z.input<typeof bootstrapBradleyTerryOptionsSchema>;

export type BradleyTerryBootstrap = {
  readonly models: string[];
  /** One θ vector per round kept (`kept × models`), identified like the fit (zero-sum or anchored). */
  readonly thetaSamples: number[][];
  /** Rounds drawn, kept or not. */
  readonly rounds: number;
  /** 1-based numbers of the rounds left out because their estimate does not exist (`missingMle: 'skip'`). */
  readonly skippedRounds: number[];
};

/** The multinomial over a table's cells, prepared once for all of its bootstrap rounds. */
const samplers = new WeakMap<BattleCounts, ReturnType<typeof multinomialSampler>>();

/** Multinomial resample of the battle table: `N` battles drawn with replacement from the `N` observed. */
export function resampleCounts(counts: BattleCounts, rng: ReturnType<typeof createRng>): BattleCounts {
  const pairs = counts.pairI.length;
  let sample = samplers.get(counts);
  if (!sample) {
    const cells = new Float64Array(3 * pairs);
    for (let k = 0; k < pairs; k++) {
      cells[3 * k] = counts.winsI[k] as number;
      cells[3 * k + 1] = counts.winsJ[k] as number;
      cells[3 * k + 2] = counts.ties[k] as number;
    }
    sample = multinomialSampler(cells);
    samplers.set(counts, sample);
  }
  const drawn = sample(rng, Math.round(counts.totalBattles));
  const winsI = new Float64Array(pairs);
  const winsJ = new Float64Array(pairs);
  const ties = new Float64Array(pairs);
  for (let k = 0; k < pairs; k++) {
    winsI[k] = drawn[3 * k] as number;
    winsJ[k] = drawn[3 * k + 1] as number;
    ties[k] = drawn[3 * k + 2] as number;
  }
  return withCounts(counts, winsI, winsJ, ties);
}

/**
 * Nonparametric bootstrap of the Bradley-Terry fit: each round draws as many battles as observed,
 * with replacement (a multinomial draw over the per-pair outcome counts from the seeded rng, never
 * re-reading battles), and refits warm-started from the full-data estimate. Reproducible for a seed.
 *
 * On sparse data a resample can have no finite estimate even when the full data has one. By default
 * (`missingMle: 'skip'`) such rounds are left out and listed in `skippedRounds`: the intervals are
 * then those of the bootstrap conditioned on the estimate existing, which are narrower than the
 * truth when many rounds are skipped, so report the count. (FastChat instead stops its optimiser
 * after 100 L-BFGS iterations, which gives large finite ratings for such rounds.) With `ridge > 0`
 * every resample has an estimate and none is skipped.
 */
export function bootstrapBradleyTerry(
  battles: BattleData,
  options: BootstrapBradleyTerryOptions,
): BradleyTerryBootstrap {
  const settings = parseOptions(bootstrapBradleyTerryOptionsSchema, options, {
    what: 'bootstrapBradleyTerry options',
  });
  const counts = toCounts(battles);
  const anchor = resolveAnchor(counts.models, settings.anchor);
  const core = coreSettings(settings);
  const full = fitCounts(counts, core);
  const rng = createRng(settings.seed);
  const thetaSamples: number[][] = [];
  const skippedRounds: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const resampled = resampleCounts(counts, rng);
    if (settings.ridge === 0 && settings.missingMle === 'skip') {
      try {
        assertMleExists(resampled);
      } catch (error) {
        if (!PrefplayError.hasCode(error, 'numerical')) throw error;
        skippedRounds.push(round + 1);
        continue;
      }
    }
    try {
      const fit = fitCounts(resampled, core, full);
      thetaSamples.push(applyAnchor(fit.theta, anchor));
    } catch (error) {
      if (PrefplayError.isInstance(error)) {
        throw new PrefplayError({
          code: error.code,
          problem: `bootstrap round ${round + 1} of ${settings.rounds}: ${error.problem}`,
          hint: "Resamples of sparse data can leave a model without a win or a loss: pass missingMle: 'skip' to leave such rounds out, or ridge > 0 (e.g. ridge: 0.01)",
          cause: error,
        });
      }
      throw error;
    }
  }
  if (thetaSamples.length === 0) {
    throw new PrefplayError({
      code: 'numerical',
      problem: `bootstrap: in all ${settings.rounds} resamples the maximum-likelihood estimate does not exist (a model never won or never lost in it), so there is no interval to report`,
      hint: 'Pass ridge > 0 (e.g. ridge: 0.01) for regularised intervals, or collect more battles',
    });
  }
  return { models: counts.models.slice(), thetaSamples, rounds: settings.rounds, skippedRounds };
}
