import { describe, expect, it } from 'vitest';
import type { Battle } from './aggregate-battles.js';
import { bootstrapBradleyTerry } from './bootstrap-bradley-terry.js';
import { eloRatings } from './elo-ratings.js';
import { fitBradleyTerry } from './fit-bradley-terry.js';
import { leaderboard, leaderboardDetailed, percentile } from './leaderboard.js';

function repeat(modelA: string, modelB: string, winner: Battle['winner'], times: number): Battle[] {
  return Array.from({ length: times }, () => ({ modelA, modelB, winner }));
}

// strong > mid1 ≈ mid2 > weak, with plenty of games
const battles: Battle[] = [
  ...repeat('strong', 'mid1', 'model_a', 70),
  ...repeat('strong', 'mid1', 'model_b', 30),
  ...repeat('strong', 'mid2', 'model_a', 72),
  ...repeat('mid2', 'strong', 'model_a', 28),
  ...repeat('mid1', 'mid2', 'model_a', 50),
  ...repeat('mid1', 'mid2', 'model_b', 48),
  ...repeat('mid1', 'mid2', 'tie', 10),
  ...repeat('mid1', 'weak', 'model_a', 75),
  ...repeat('weak', 'mid1', 'model_a', 25),
  ...repeat('mid2', 'weak', 'model_a', 74),
  ...repeat('mid2', 'weak', 'model_b', 26),
  ...repeat('strong', 'weak', 'model_a', 40),
  ...repeat('strong', 'weak', 'tie (bothbad)', 4),
  ...repeat('weak', 'strong', 'model_a', 6),
];

describe('leaderboard', () => {
  it('ratings are the Elo scale of the fit, sorted best first, with bootstrap percentiles', () => {
    const rows = leaderboard(battles, { bootstrap: 200, seed: 4 });
    const fit = fitBradleyTerry(battles);
    const elo = eloRatings(fit.theta);
    expect(rows.map((r) => r.model)).toEqual(['strong', 'mid1', 'mid2', 'weak']);
    for (const row of rows) {
      const i = fit.models.indexOf(row.model);
      expect(row.rating).toBeCloseTo(elo[i] as number, 9);
    }
    const boot = bootstrapBradleyTerry(battles, { rounds: 200, seed: 4 });
    for (const row of rows) {
      const i = boot.models.indexOf(row.model);
      const samples = eloRatings(boot.thetaSamples.map((s) => s[i] as number));
      expect(row.ratingQ025).toBeCloseTo(percentile(samples, 0.025), 9);
      // pandas' DataFrame.var(): the n − 1 denominator.
      const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
      const variance = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples.length - 1);
      expect(row.variance).toBeCloseTo(variance, 6);
      expect(row.variance).toBeGreaterThan(0);
      expect(row.ratingQ975).toBeCloseTo(percentile(samples, 0.975), 9);
      expect(row.ratingQ025).toBeLessThan(row.rating);
      expect(row.ratingQ975).toBeGreaterThan(row.rating);
    }
    expect(rows.find((r) => r.model === 'strong')?.numBattles).toBe(250);
  });

  it('ranks by the LMSYS convention: 1 + number of models whose lower bound is above my upper bound', () => {
    const rows = leaderboard(battles, { bootstrap: 200, seed: 4 });
    for (const row of rows) {
      const expected = 1 + rows.filter((o) => o !== row && o.ratingQ025 > row.ratingQ975).length;
      expect(row.rank).toBe(expected);
    }
    const rank = Object.fromEntries(rows.map((r) => [r.model, r.rank]));
    expect(rank.strong).toBe(1);
    // the two middle models overlap and share a rank
    expect(rank.mid1).toBe(rank.mid2);
    expect(rank.weak).toBe(4);
  });

  it('anchors the display scale', () => {
    const rows = leaderboard(battles, { bootstrap: 20, seed: 1, anchor: { model: 'mid2', rating: 1114 } });
    const mid2 = rows.find((r) => r.model === 'mid2');
    expect(mid2?.rating).toBeCloseTo(1114, 9);
    const free = leaderboard(battles, { bootstrap: 0 });
    const gap = (list: typeof rows) =>
      (list.find((r) => r.model === 'strong')?.rating ?? 0) - (list.find((r) => r.model === 'weak')?.rating ?? 0);
    expect(gap(rows)).toBeCloseTo(gap(free), 9);
    expect(free.reduce((a, r) => a + r.rating, 0) / free.length).toBeCloseTo(1000, 9);
  });

  it('bootstrap 0 gives zero-width intervals and ranks by rating', () => {
    const rows = leaderboard(battles, { bootstrap: 0 });
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    for (const r of rows) {
      expect(r.ratingQ025).toBe(r.rating);
      expect(r.variance).toBe(0);
    }
    expect(leaderboardDetailed(battles, { bootstrap: 0 }).bootstrap).toEqual({ rounds: 0, kept: 0, skippedRounds: [] });
  });

  it('supports Davidson ties and validates options', () => {
    const rows = leaderboard(battles, { bootstrap: 10, seed: 2, ties: 'davidson' });
    expect(rows).toHaveLength(4);
    expect(() => leaderboard(battles, { bootstrap: -1 })).toThrowError(/leaderboard options.*"bootstrap"/);
  });
});

describe('percentile', () => {
  it('interpolates linearly like numpy', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10, 0, 5], 0.25)).toBe(2.5);
    expect(percentile([3], 0.975)).toBe(3);
  });
});
