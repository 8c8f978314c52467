import { PrefplayError } from '@prefplay/core';

export type WinRate = {
  /** Mean of the probabilities. */
  readonly mean: number;
  /** Sample standard deviation / √n; NaN with fewer than two probabilities. */
  readonly standardError: number;
  readonly count: number;
};

/**
 * Win rate against a baseline from per-prompt probabilities `P(y_model ≻ y_base)` (a tie is 1/2):
 * their mean and its standard error `s / √n` with the (n − 1) sample standard deviation.
 */
export function winRate(probabilities: readonly number[]): WinRate {
  if (!Array.isArray(probabilities) || probabilities.length === 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'winRate needs at least one probability',
      where: { field: 'probabilities' },
      hint: 'Pass one probability per prompt',
    });
  }
  const n = probabilities.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = probabilities[i];
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `probability is ${String(p)}, outside [0, 1]`,
        where: { field: `probabilities[${i}]` },
        hint: 'Pass P(model ≻ baseline) per prompt, ties as 0.5',
      });
    }
    sum += p;
  }
  const mean = sum / n;
  if (n < 2) return { mean, standardError: Number.NaN, count: n };
  let squares = 0;
  for (const p of probabilities) squares += (p - mean) ** 2;
  return { mean, standardError: Math.sqrt(squares / (n - 1) / n), count: n };
}
