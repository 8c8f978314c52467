import { parseOptions } from '@prefplay/core';
import { z } from 'zod';
import type { Battle, BattleCounts } from './aggregate-battles.js';
import { bootstrapBradleyTerry } from './bootstrap-bradley-terry.js';
import { eloScale } from './elo-ratings.js';
import { fitBradleyTerry, toCounts } from './fit-bradley-terry.js';

export const leaderboardOptionsSchema = z
  .object({
    /** Bootstrap rounds for the 95% intervals; 0 gives intervals of zero width. */
    bootstrap: z.number().int().min(0).max(100_000).default(100),
    seed: z.number().int().default(0),
    ties: z.enum(['half', 'davidson']).default('half'),
    ridge: z.number().min(0).max(1e6).default(0),
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
  /** 2.5th percentile of the bootstrap ratings. */
  readonly ciLow: number;
  /** 97.5th percentile of the bootstrap ratings. */
  readonly ciHigh: number;
  /** 1 + number of models whose `ciLow` is above this model's `ciHigh`. */
  readonly rank: number;
  /** Battles this model took part in. */
  readonly battles: number;
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

/**
 * Chatbot-Arena style leaderboard: Bradley-Terry ratings on the Elo display scale with seeded
 * bootstrap 95% intervals and CI-based ranks (rank = 1 + number of models whose lower bound is
 * above this model's upper bound), sorted by rating, best first.
 */
export function leaderboard(
  battles: readonly Battle[] | BattleCounts,
  options: LeaderboardOptions = {},
): LeaderboardRow[] {
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
  let ciLow = ratings.slice();
  let ciHigh = ratings.slice();
  if (settings.bootstrap > 0) {
    const samples = bootstrapBradleyTerry(counts, { ...fitOptions, rounds: settings.bootstrap, seed: settings.seed });
    ciLow = fit.models.map((_, i) =>
      percentile(
        samples.thetaSamples.map((s) => toRating(s[i] as number)),
        0.025,
      ),
    );
    ciHigh = fit.models.map((_, i) =>
      percentile(
        samples.thetaSamples.map((s) => toRating(s[i] as number)),
        0.975,
      ),
    );
  }
  const rows: LeaderboardRow[] = fit.models.map((model, i) => {
    let better = 0;
    for (let j = 0; j < fit.models.length; j++) if (j !== i && (ciLow[j] as number) > (ciHigh[i] as number)) better++;
    return {
      model,
      rating: ratings[i] as number,
      ciLow: ciLow[i] as number,
      ciHigh: ciHigh[i] as number,
      rank: 1 + better,
      battles: counts.battlesPerModel[i] as number,
    };
  });
  rows.sort((a, b) => b.rating - a.rating || (a.model < b.model ? -1 : 1));
  return rows;
}
