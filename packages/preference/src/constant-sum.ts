import { PrefplayError } from '@prefplay/core';

type Violation = { i: number; j: number; problem: string };

function findViolation(matrix: readonly (readonly number[])[], tolerance: number): Violation | undefined {
  if (!Array.isArray(matrix)) return { i: -1, j: -1, problem: 'the matrix is not an array of rows' };
  const k = matrix.length;
  for (let i = 0; i < k; i++) {
    const row = matrix[i];
    if (!Array.isArray(row) || row.length !== k) {
      return {
        i,
        j: -1,
        problem: `row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries; a ${k}×${k} matrix needs ${k}`,
      };
    }
  }
  for (let i = 0; i < k; i++) {
    const row = matrix[i] as readonly number[];
    for (let j = 0; j < k; j++) {
      const v = row[j] as number;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < -tolerance || v > 1 + tolerance) {
        return { i, j, problem: `M[${i}][${j}] = ${v} is not a probability in [0, 1]` };
      }
    }
  }
  for (let i = 0; i < k; i++) {
    const d = (matrix[i] as readonly number[])[i] as number;
    if (Math.abs(d - 0.5) > tolerance)
      return { i, j: i, problem: `M[${i}][${i}] = ${d}, but the diagonal must be 1/2` };
    for (let j = i + 1; j < k; j++) {
      const a = (matrix[i] as readonly number[])[j] as number;
      const b = (matrix[j] as readonly number[])[i] as number;
      if (Math.abs(a + b - 1) > tolerance) {
        return { i, j, problem: `M[${i}][${j}] + M[${j}][${i}] = ${a} + ${b} = ${a + b}, but must be 1` };
      }
    }
  }
  return undefined;
}

/**
 * True when `matrix` is a square constant-sum preference matrix: entries in [0, 1],
 * `M + Mᵀ = 1` and `diag(M) = 1/2`, all within `tolerance` (default 1e-9).
 */
export function isConstantSum(matrix: readonly (readonly number[])[], tolerance = 1e-9): boolean {
  return findViolation(matrix, tolerance) === undefined;
}

/**
 * Throws a `PrefplayError` (code `invalid-input`) naming the first offending cell `(i, j)` and its
 * values unless `matrix` is constant-sum (see `isConstantSum`). `where` names the matrix's source.
 */
export function assertConstantSum(
  matrix: readonly (readonly number[])[],
  where = 'preference matrix',
  tolerance = 1e-9,
): void {
  const violation = findViolation(matrix, tolerance);
  if (!violation) return;
  const { i, j } = violation;
  throw new PrefplayError({
    code: 'invalid-input',
    problem: `${where} is not a constant-sum preference matrix: ${violation.problem}`,
    ...(i >= 0 ? { where: { field: j >= 0 ? `matrix[${i}][${j}]` : `matrix[${i}]` } } : {}),
    hint: 'A preference matrix needs M[i][j] = P(y_i ≻ y_j) in [0, 1], M[i][j] + M[j][i] = 1 and M[i][i] = 1/2; symmetrize a position-biased judge with symmetrize(forward, backward)',
  });
}
