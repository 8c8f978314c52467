import { PrefplayError } from '@prefplay/core';

export type WinRateTargetsOptions = {
  /**
   * Include the self term `M_ii` in each win rate, `p̂_i = (1/K) Σ_j M_ij` (the official SPPO
   * code, default true); false gives `p̂_i = 1/(K−1) Σ_{j≠i} M_ij`.
   */
  readonly includeSelf?: boolean;
};

export type WinRateTargets = {
  /** `p̂_i` of every response. */
  readonly winRates: number[];
  /** `argmax_i p̂_i`, ties broken by the lowest index. */
  readonly chosen: number;
  /** `argmin_i p̂_i`, ties broken by the lowest index. */
  readonly rejected: number;
  /** `M[chosen][rejected]`. */
  readonly pairPreference: number;
};

const file = 'packages/losses/src/win-rate-targets.ts';

function invalid(problem: string, field: string, hint: string): PrefplayError {
  return new PrefplayError({
    code: 'invalid-input',
    problem: `winRateTargets: ${problem}`,
    where: { file, field },
    hint,
  });
}

/**
 * Turns the `K×K` preference matrix of one prompt's responses (`M[i][j] = P(y_i ≻ y_j)`) into the
 * SPPO win rates, the chosen (best) and rejected (worst) response, and `M_wl`.
 * The matrix must be square with `K ≥ 2` and finite entries in `[0, 1]`; its diagonal should be 1/2.
 */
export function winRateTargets(
  matrix: readonly (readonly number[])[],
  options: WinRateTargetsOptions = {},
): WinRateTargets {
  const includeSelf = options.includeSelf ?? true;
  if (!Array.isArray(matrix) || matrix.length < 2) {
    throw invalid(
      `the preference matrix must have at least 2 rows, got ${Array.isArray(matrix) ? matrix.length : typeof matrix}`,
      'matrix',
      'Pass the K×K matrix of one prompt with K ≥ 2 responses',
    );
  }
  const k = matrix.length;
  const winRates: number[] = [];
  for (let i = 0; i < k; i++) {
    const row = matrix[i];
    if (!Array.isArray(row) || row.length !== k) {
      throw invalid(
        `the preference matrix must be square (${k}×${k}), but row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries`,
        `matrix[${i}]`,
        'Pass M[i][j] = P(y_i ≻ y_j) for every pair, the diagonal included',
      );
    }
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const value = row[j] as number;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
        throw invalid(
          `entry M[${i}][${j}] = ${String(value)} is not a probability in [0, 1]`,
          `matrix[${i}][${j}]`,
          'Every entry must be a finite probability P(y_i ≻ y_j) in [0, 1]',
        );
      }
      if (includeSelf || j !== i) sum += value;
    }
    winRates.push(sum / (includeSelf ? k : k - 1));
  }
  let chosen = 0;
  let rejected = 0;
  for (let i = 1; i < k; i++) {
    if ((winRates[i] as number) > (winRates[chosen] as number)) chosen = i;
    if ((winRates[i] as number) < (winRates[rejected] as number)) rejected = i;
  }
  return { winRates, chosen, rejected, pairPreference: (matrix[chosen] as readonly number[])[rejected] as number };
}
