import { type ErrorLocation, PrefplayError } from '@prefplay/core';

/** Where a checked matrix or policy came from, for error messages. */
export type InputLocation = {
  /** Name of the argument or file field, e.g. `matrix` (default) or `policy`. */
  readonly field?: string;
  readonly file?: string;
};

export type GameInputOptions = InputLocation & {
  /** Allowed deviation from `M + Mᵀ = 1`, `diag(M) = 1/2`, `[0, 1]` and the simplex (default 1e-6). */
  readonly tolerance?: number;
};

export const defaultTolerance = 1e-6;

function located(field: string, file: string | undefined): ErrorLocation {
  return file !== undefined ? { file, field } : { field };
}

function fail(problem: string, field: string, file: string | undefined, hint: string): never {
  throw new PrefplayError({ code: 'invalid-input', problem, where: located(field, file), hint });
}

/**
 * Throws a located `PrefplayError` unless `matrix` is a non-empty square preference matrix with
 * finite entries in [0, 1], `M[i][j] + M[j][i] = 1` and `M[i][i] = 1/2`, all within `tolerance`.
 * The error names the first offending cell, e.g. `field "matrix[0][2]"`.
 */
export function assertGameMatrix(matrix: readonly (readonly number[])[], options: GameInputOptions = {}): void {
  const name = options.field ?? 'matrix';
  const file = options.file;
  const tolerance = options.tolerance ?? defaultTolerance;
  if (!Array.isArray(matrix) || matrix.length === 0) {
    fail('the preference matrix is empty or not an array', name, file, 'Pass a non-empty square array of rows');
  }
  const n = matrix.length;
  for (let i = 0; i < n; i++) {
    const row = matrix[i];
    if (!Array.isArray(row) || row.length !== n) {
      fail(
        `row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries but the matrix has ${n} rows`,
        `${name}[${i}]`,
        file,
        'A preference matrix must be square',
      );
    }
    for (let j = 0; j < n; j++) {
      const value = row[j];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        fail(
          `entry is ${String(value)}, not a finite number`,
          `${name}[${i}][${j}]`,
          file,
          'Use probabilities in [0, 1]',
        );
      }
      if (value < -tolerance || value > 1 + tolerance) {
        fail(`entry is ${value}, outside [0, 1]`, `${name}[${i}][${j}]`, file, 'Entries are probabilities P(i ≻ j)');
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const diagonal = matrix[i]?.[i] as number;
    if (Math.abs(diagonal - 0.5) > tolerance) {
      fail(
        `diagonal entry is ${diagonal}, not 1/2`,
        `${name}[${i}][${i}]`,
        file,
        'A response ties with itself: set M[i][i] = 0.5',
      );
    }
    for (let j = i + 1; j < n; j++) {
      const a = matrix[i]?.[j] as number;
      const b = matrix[j]?.[i] as number;
      if (Math.abs(a + b - 1) > tolerance) {
        fail(
          `the matrix is not constant-sum: M[${i}][${j}] + M[${j}][${i}] = ${a} + ${b} = ${a + b}, not 1 (tolerance ${tolerance})`,
          `${name}[${i}][${j}]`,
          file,
          'Symmetrise a position-biased judge with M = (P + 1 − Pᵀ)/2 or fix the entry',
        );
      }
    }
  }
}

/**
 * Throws a located `PrefplayError` unless `policy` has `size` finite entries, each ≥ −tolerance,
 * summing to 1 within `tolerance`.
 */
export function assertPolicy(policy: readonly number[], size: number, options: GameInputOptions = {}): void {
  const name = options.field ?? 'policy';
  const file = options.file;
  const tolerance = options.tolerance ?? defaultTolerance;
  if (!Array.isArray(policy) || policy.length !== size) {
    fail(
      `the policy has ${Array.isArray(policy) ? policy.length : 'no'} entries but the matrix has ${size} rows`,
      name,
      file,
      'Give one probability per row of the matrix',
    );
  }
  let total = 0;
  for (let i = 0; i < size; i++) {
    const value = policy[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(`entry is ${String(value)}, not a finite number`, `${name}[${i}]`, file, 'Use probabilities');
    }
    if (value < -tolerance) {
      fail(`entry is ${value}, negative`, `${name}[${i}]`, file, 'A policy is a probability vector');
    }
    total += value;
  }
  if (Math.abs(total - 1) > tolerance) {
    fail(
      `the policy sums to ${total}, not 1 (tolerance ${tolerance})`,
      name,
      file,
      'Normalise the policy so its entries sum to 1',
    );
  }
}
