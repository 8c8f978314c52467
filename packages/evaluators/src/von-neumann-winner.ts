import { PrefplayError } from '@prefplay/core';
import { assertGameMatrix, type GameInputOptions } from './game-inputs.js';

export type VonNeumannWinner = {
  /** A maximin mixed strategy `p` (non-negative, sums to 1). */
  readonly policy: number[];
  /** Game value `min_j Σ_i p_i M_ij`; 1/2 for every constant-sum preference matrix. */
  readonly value: number;
  /** Simplex pivots used. */
  readonly pivots: number;
};

export type VonNeumannWinnerOptions = GameInputOptions & {
  /** Give up (numerical error) after this many pivots (default 100,000). */
  readonly maxPivots?: number;
};

const pivotEpsilon = 1e-12;

/**
 * The von Neumann winner of a preference matrix by linear programming: maximise `v` subject to
 * `Σ_i p_i M_ij ≥ v` for all `j`, `p` in the simplex.
 *
 * Solved with a dense primal simplex on the equivalent problem with a feasible origin: with
 * `B = M + c` (all entries ≥ 1), `max 1ᵀy s.t. B y ≤ 1, y ≥ 0` is the dual of
 * `min 1ᵀx s.t. Bᵀx ≥ 1, x ≥ 0`, and `p = x / 1ᵀx` is read from the reduced costs of the slacks in
 * the optimal tableau. Dantzig's largest-coefficient rule is used while the objective improves and
 * Bland's smallest-index rule after every degenerate pivot, so the method cannot cycle (symmetric
 * games are highly degenerate).
 */
export function vonNeumannWinner(
  matrix: readonly (readonly number[])[],
  options: VonNeumannWinnerOptions = {},
): VonNeumannWinner {
  assertGameMatrix(matrix, options);
  const n = matrix.length;
  const maxPivots = options.maxPivots ?? 100_000;
  let minimum = Number.POSITIVE_INFINITY;
  for (const row of matrix) for (const value of row) if (value < minimum) minimum = value;
  const shift = 1 - minimum;
  const width = 2 * n + 1;
  const rhs = 2 * n;
  const tableau: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(width);
    for (let j = 0; j < n; j++) row[j] = (matrix[i]?.[j] as number) + shift;
    row[n + i] = 1;
    row[rhs] = 1;
    tableau.push(row);
  }
  const objective = new Float64Array(width);
  for (let j = 0; j < n; j++) objective[j] = -1;
  const basis = Array.from({ length: n }, (_, i) => n + i);

  let pivots = 0;
  let useBland = false;
  for (;;) {
    let entering = -1;
    if (useBland) {
      for (let j = 0; j < 2 * n; j++) {
        if ((objective[j] as number) < -pivotEpsilon) {
          entering = j;
          break;
        }
      }
    } else {
      let most = -pivotEpsilon;
      for (let j = 0; j < 2 * n; j++) {
        const reduced = objective[j] as number;
        if (reduced < most) {
          most = reduced;
          entering = j;
        }
      }
    }
    if (entering < 0) break;
    let leaving = -1;
    let bestRatio = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const row = tableau[i] as Float64Array;
      const coefficient = row[entering] as number;
      if (coefficient <= pivotEpsilon) continue;
      const ratio = (row[rhs] as number) / coefficient;
      if (ratio < bestRatio - pivotEpsilon) {
        bestRatio = ratio;
        leaving = i;
      } else if (ratio <= bestRatio + pivotEpsilon && (basis[i] as number) < (basis[leaving] as number)) {
        bestRatio = Math.min(bestRatio, ratio);
        leaving = i;
      }
    }
    if (leaving < 0) {
      // Cannot happen for B > 0 (the feasible set is bounded); guard against NaN input anyway.
      throw new PrefplayError({
        code: 'numerical',
        problem: 'the linear program for the von Neumann winner is unbounded',
        where: { field: options.field ?? 'matrix' },
        hint: 'Check the matrix for non-finite entries',
      });
    }
    useBland = bestRatio <= pivotEpsilon;
    pivot(tableau, objective, leaving, entering, width);
    basis[leaving] = entering;
    pivots++;
    if (pivots > maxPivots) {
      throw new PrefplayError({
        code: 'numerical',
        problem: `the simplex method did not finish in ${maxPivots} pivots on a ${n}×${n} matrix`,
        where: { field: options.field ?? 'matrix' },
        hint: 'Raise maxPivots or check the matrix',
      });
    }
  }

  const x = new Array<number>(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const value = Math.max(0, objective[n + i] as number);
    x[i] = value;
    total += value;
  }
  const policy = x.map((value) => (value / total > 1e-12 ? value / total : 0));
  const mass = policy.reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i++) policy[i] = (policy[i] as number) / mass;
  let value = Number.POSITIVE_INFINITY;
  for (let j = 0; j < n; j++) {
    let column = 0;
    for (let i = 0; i < n; i++) column += (policy[i] as number) * (matrix[i]?.[j] as number);
    if (column < value) value = column;
  }
  return { policy, value, pivots };
}

function pivot(tableau: Float64Array[], objective: Float64Array, leaving: number, entering: number, width: number) {
  const pivotRow = tableau[leaving] as Float64Array;
  const scale = 1 / (pivotRow[entering] as number);
  for (let k = 0; k < width; k++) pivotRow[k] = (pivotRow[k] as number) * scale;
  pivotRow[entering] = 1;
  for (let i = 0; i < tableau.length; i++) {
    if (i === leaving) continue;
    const row = tableau[i] as Float64Array;
    const factor = row[entering] as number;
    if (factor === 0) continue;
    for (let k = 0; k < width; k++) row[k] = (row[k] as number) - factor * (pivotRow[k] as number);
    row[entering] = 0;
  }
  const factor = objective[entering] as number;
  if (factor !== 0) {
    for (let k = 0; k < width; k++) objective[k] = (objective[k] as number) - factor * (pivotRow[k] as number);
    objective[entering] = 0;
  }
}
