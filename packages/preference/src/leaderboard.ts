import { parseOptions } from '@prefplay/core';
import { z } from 'zod';
import { bootstrapBradleyTerry } from './bootstrap-bradley-terry.js';
import { eloScale } from './elo-ratings.js';
import { type BattleData, fitBradleyTerry, toCounts } from './fit-bradley-terry.js';

export const leaderboardOptionsSchema = z
  .object({
    /** Bootstrap rounds for the 95% intervals; 0 gives intervals of zero width. */
    bootstrap: z.number().int().min(0).max(100_000).default(100),
    seed: z.number().int().default(0),
    ties: z.enum(['half', 'davidson']).default('half'),
    ridge: z.number().min(0).max(1e6).default(0),
    /** Bootstrap rounds whose estimate does not exist: left out (`skip`, reported) or an error. */
    missingMle: z.enum(['skip', 'error']).default('skip'),
    /** Display anchor: this model gets this rating; without it the mean rating is 1000. */
    anchor: z
      .object({ model: z.string().min(1), rating: z.number().min(-1e7).max(1e7).default(1000) })
      .strict()
      .optional(),
  })
  .strict();

export type LeaderboardOptions = z.input<typeof leaderboardOptionsSchema>;

export type LeaderboardRow = {
  readonly model: string;
  /** Elo display rating of the maximum-likelihood estimate. */
  readonly rating: number;
  /**
   * Sample variance (n − 1 denominator, as pandas' `var()`) of the bootstrap ratings, in squared
   * Elo points; 0 without bootstrap rounds or with a single kept round.
   */
  readonly variance: number;
  /** Lower end of the 95% bootstrap interval: 2.5th percentile of the bootstrap ratings (FastChat's `rating_q025`). */
  readonly ratingQ025: number;
  /** Upper end of the 95% bootstrap interval: 97.5th percentile of the bootstrap ratings (FastChat's `rating_q975`). */
  readonly ratingQ975: number;
  /** 1 + number of models whose `ratingQ025` is above this model's `ratingQ975` (FastChat's `final_ranking`). */
  readonly rank: number;
  /** Battles this model took part in (FastChat's `num_battles`). */
  readonly numBattles: number;
};

/** The rows, with what the bootstrap did. */
export type LeaderboardDetailed = {
  readonly rows: LeaderboardRow[];
  readonly bootstrap: {
    /** Rounds drawn. */
    readonly rounds: number;
    /** Rounds whose estimate existed and entered the intervals. */
    readonly kept: number;
    /** 1-based numbers of the rounds left out because their estimate does not exist. */
    readonly skippedRounds: number[];
  };
};

/** Percentile with linear interpolation between order statistics (numpy's default). */
export function percentile(values: readonly number[], q: number): number {
  const sorted = values.slice().sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

function sampleVariance(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
}

/**
 * Chatbot-Arena style leaderboard with what the bootstrap did: Bradley-Terry ratings on the Elo
 * display scale, seeded bootstrap 95% intervals and variances, CI-based ranks, sorted best first.
 * Bootstrap rounds in which the estimate does not exist are left out and listed (see
 * `bootstrapBradleyTerry`), unless `missingMle: 'error'`.
 */
export function leaderboardDetailed(battles: BattleData, options: LeaderboardOptions = {}): LeaderboardDetailed {
  const settings = parseOptions(leaderboardOptionsSchema, options, { what: 'leaderboard options' });
  const counts = toCounts(battles);
  const fitOptions = {
    ties: settings.ties,
    ridge: settings.ridge,
    ...(settings.anchor ? { anchor: settings.anchor } : {}),
  };
  const fit = fitBradleyTerry(counts, fitOptions);
  const toRating = (theta: number): number => 1000 + eloScale * theta;
  const ratings = fit.theta.map(toRating);
  let low = ratings.slice();
  let high = ratings.slice();
  let variance = ratings.map(() => 0);
  let bootstrap: LeaderboardDetailed['bootstrap'] = { rounds: 0, kept: 0, skippedRounds: [] };
  if (settings.bootstrap > 0) {
    const samples = bootstrapBradleyTerry(counts, {
      ...fitOptions,
      rounds: settings.bootstrap,
      seed: settings.seed,
      missingMle: settings.missingMle,
    });
    const perModel = fit.models.map((_, i) => samples.thetaSamples.map((s) => toRating(s[i] as number)));
    low = perModel.map((xs) => percentile(xs, 0.025));
    high = perModel.map((xs) => percentile(xs, 0.975));
    variance = perModel.map(sampleVariance);
    bootstrap = {
      rounds: samples.rounds,
      kept: samples.thetaSamples.length,
      skippedRounds: samples.skippedRounds.slice(),
    };
  }
  const rows: LeaderboardRow[] = fit.models.map((model, i) => {
    let better = 0;
    for (let j = 0; j < fit.models.length; j++) if (j !== i && (low[j] as number) > (high[i] as number)) better++;
    return {
      model,
      rating: ratings[i] as number,
      variance: variance[i] as number,
      ratingQ025: low[i] as number,
      ratingQ975: high[i] as number,
      rank: 1 + better,
      numBattles: counts.battlesPerModel[i] as number,
    };
  });
  rows.sort((a, b) => b.rating - a.rating || (a.model < b.model ? -1 : 1));
  return { rows, bootstrap };
}

/**
 * Chatbot-Arena style leaderboard: Bradley-Terry ratings on the Elo display scale with seeded
 * bootstrap 95% intervals and CI-based ranks (rank = 1 + number of models whose lower bound is
 * above this model's upper bound), sorted by rating, best first. `leaderboardDetailed` also says
 * how many bootstrap rounds were kept.
 */
export function leaderboard(battles: BattleData, options: LeaderboardOptions = {}): LeaderboardRow[] {
  return leaderboardDetailed(battles, options).rows;
}
