import { createRng, PrefplayError, parseOptions } from '@prefplay/core';
import { z } from 'zod';
import { type Battle, type BattleCounts, withCounts } from './aggregate-battles.js';
import {
  applyAnchor,
  coreSettings,
  fitBradleyTerryOptionsSchema,
  fitCounts,
  resolveAnchor,
  toCounts,
} from './fit-bradley-terry.js';
import { sampleMultinomial } from './sample-binomial.js';

export const bootstrapBradleyTerryOptionsSchema = fitBradleyTerryOptionsSchema.extend({
  rounds: z.number().int().min(1).max(100_000),
  seed: z.number().int(),
});

export type BootstrapBradleyTerryOptions = z.input<typeof bootstrapBradleyTerryOptionsSchema>;

export type BradleyTerryBootstrap = {
  readonly models: string[];
  /** One θ vector per round (`rounds × models`), identified like the fit (zero-sum or anchored). */
  readonly thetaSamples: number[][];
};

/** Multinomial resample of the battle table: `N` battles drawn with replacement from the `N` observed. */
export function resampleCounts(counts: BattleCounts, rng: ReturnType<typeof createRng>): BattleCounts {
  const pairs = counts.pairI.length;
  const cells = new Float64Array(3 * pairs);
  for (let k = 0; k < pairs; k++) {
    cells[3 * k] = counts.winsI[k] as number;
    cells[3 * k + 1] = counts.winsJ[k] as number;
    cells[3 * k + 2] = counts.ties[k] as number;
  }
  const drawn = sampleMultinomial(rng, Math.round(counts.totalBattles), cells);
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
 */
export function bootstrapBradleyTerry(
  battles: readonly Battle[] | BattleCounts,
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
  for (let round = 0; round < settings.rounds; round++) {
    const resampled = resampleCounts(counts, rng);
    try {
      const fit = fitCounts(resampled, core, full);
      thetaSamples.push(applyAnchor(fit.theta, anchor));
    } catch (error) {
      if (PrefplayError.isInstance(error)) {
        throw new PrefplayError({
          code: error.code,
          problem: `bootstrap round ${round + 1} of ${settings.rounds}: ${error.problem}`,
          hint: 'Resamples of sparse data can leave a model without a win or a loss: pass ridge > 0 (e.g. ridge: 0.01)',
          cause: error,
        });
      }
      throw error;
    }
  }
  return { models: counts.models.slice(), thetaSamples };
}
