import { PrefplayError } from '@prefplay/core';

/** Elo points per unit of log-strength: `400 / ln 10`. */
export const eloScale = 400 / Math.LN10;

/**
 * Elo display scale of Bradley-Terry log-strengths: `R_i = 1000 + (400/ln 10)·θ_i`, or, with an
 * anchor, `R_i = anchorRating + (400/ln 10)·(θ_i − θ_anchor)` (anchorRating defaults to 1000).
 */
export function eloRatings(
  theta: readonly number[],
  options: { readonly anchorIndex?: number; readonly anchorRating?: number } = {},
): number[] {
  const { anchorIndex, anchorRating = 1000 } = options;
  if (!Number.isFinite(anchorRating)) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `eloRatings: anchorRating must be a finite number, got ${anchorRating}`,
      where: { field: 'anchorRating' },
    });
  }
  if (anchorIndex === undefined) return theta.map((t) => 1000 + eloScale * t);
  if (!Number.isInteger(anchorIndex) || anchorIndex < 0 || anchorIndex >= theta.length) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `eloRatings: anchorIndex must be an integer in [0, ${theta.length - 1}], got ${anchorIndex}`,
      where: { field: 'anchorIndex' },
    });
  }
  const base = theta[anchorIndex] as number;
  return theta.map((t) => anchorRating + eloScale * (t - base));
}
