import { PrefplayError, parseOptions } from '@prefplay/core';
import { z } from 'zod';
import { winRate } from './win-rate.js';

/** One comparison of a model response with a baseline response to the same prompt. */
export type LengthControlRow = {
  /** Judge's `P(y_model ≻ y_base)` (a soft target; a tie is 1/2). */
  readonly probability: number;
  /** Length of the model's response (tokens or characters, the same unit for both). */
  readonly lengthModel: number;
  /** Length of the baseline's response. */
  readonly lengthBaseline: number;
  /** Prompt id, used in error messages. */
  readonly prompt?: string;
  /** Optional instruction-difficulty covariate `γ_x`; give it on every row or on none. */
  readonly difficulty?: number;
};

const lengthControlledSchema = z.object({
  /** L2 penalty on the coefficients, for separable data (default 1e-6). */
  ridge: z.number().nonnegative().finite().optional(),
  /** Newton iterations at most (default 100). */
  maxIterations: z.number().int().min(1).max(10_000).optional(),
});

export type LengthControlledWinRateOptions = z.input<typeof lengthControlledSchema>;

export type LengthControlledWinRate = {
  /** Length-controlled win rate: mean over rows of `σ(θ + ψ·γ_x)`. */
  readonly winRate: number;
  /** Plain mean of the probabilities. */
  readonly rawWinRate: number;
  readonly rawStandardError: number;
  /** Fitted `θ` (intercept), `φ` (length) and `ψ` (difficulty; 0 when no difficulty is given). */
  readonly coefficients: { readonly intercept: number; readonly length: number; readonly difficulty: number };
  /** `sd` in `tanh(Δlen / sd)`: sample standard deviation of the length differences. */
  readonly lengthScale: number;
  readonly iterations: number;
};

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function solve(matrix: number[][], vector: number[]): number[] {
  const n = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i] as number]);
  for (let c = 0; c < n; c++) {
    let best = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]?.[c] as number) > Math.abs(a[best]?.[c] as number)) best = r;
    [a[c], a[best]] = [a[best] as number[], a[c] as number[]];
    const pivotRow = a[c] as number[];
    const pivot = pivotRow[c] as number;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const row = a[r] as number[];
      const factor = (row[c] as number) / pivot;
      for (let k = c; k <= n; k++) row[k] = (row[k] as number) - factor * (pivotRow[k] as number);
    }
  }
  return a.map((row, i) => (row[n] as number) / (row[i] as number));
}

function rowError(index: number, field: string, problem: string, row: LengthControlRow | undefined): never {
  throw new PrefplayError({
    code: 'invalid-input',
    problem: `${problem}${row?.prompt !== undefined ? ` (prompt ${row.prompt})` : ''}`,
    where: { field: `rows[${index}].${field}` },
    hint: 'Each row needs probability in [0, 1] and non-negative finite lengths',
  });
}

/**
 * AlpacaEval-2 style length-controlled win rate (arXiv 2404.04475): fits
 * `q = σ(θ + φ·tanh(Δlen/sd) + ψ·γ_x)` by logistic regression on the soft targets `q` (Newton's
 * method on the cross-entropy), then reports the mean of `σ(θ + ψ·γ_x)`, the win rate with the
 * length difference set to zero.
 */
export function lengthControlledWinRate(
  rows: readonly LengthControlRow[],
  options: LengthControlledWinRateOptions = {},
): LengthControlledWinRate {
  const parsed = parseOptions(lengthControlledSchema, options, { what: 'lengthControlledWinRate options' });
  const ridge = parsed.ridge ?? 1e-6;
  const maxIterations = parsed.maxIterations ?? 100;
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'lengthControlledWinRate needs at least one row',
      where: { field: 'rows' },
      hint: 'Pass one row per comparison',
    });
  }
  const withDifficulty = rows[0]?.difficulty !== undefined;
  const n = rows.length;
  const differences = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    const p = row?.probability;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) rowError(i, 'probability', `probability is ${p}`, row);
    for (const field of ['lengthModel', 'lengthBaseline'] as const) {
      const length = row?.[field];
      if (typeof length !== 'number' || !Number.isFinite(length) || length < 0)
        rowError(i, field, `length is ${length}`, row);
    }
    const difficulty = row?.difficulty;
    if ((difficulty !== undefined) !== withDifficulty)
      rowError(i, 'difficulty', 'difficulty must be given on every row or on none', row);
    if (difficulty !== undefined && !Number.isFinite(difficulty))
      rowError(i, 'difficulty', `difficulty is ${difficulty}`, row);
    differences[i] = (row?.lengthModel as number) - (row?.lengthBaseline as number);
  }
  const meanDifference = differences.reduce((a, b) => a + b, 0) / n;
  const lengthScale =
    n > 1 ? Math.sqrt(differences.reduce((a, d) => a + (d - meanDifference) ** 2, 0) / (n - 1)) : Number.NaN;
  const useLength = lengthScale > 0;
  const features: number[][] = rows.map((row, i) => {
    const x = [1];
    if (useLength) x.push(Math.tanh((differences[i] as number) / lengthScale));
    if (withDifficulty) x.push(row.difficulty as number);
    return x;
  });
  const targets = rows.map((row) => row.probability);
  const k = features[0]?.length ?? 1;
  const loss = (w: number[]): number => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const x = features[i] as number[];
      let zi = 0;
      for (let c = 0; c < k; c++) zi += (x[c] as number) * (w[c] as number);
      const q = targets[i] as number;
      total += q * softplus(-zi) + (1 - q) * softplus(zi);
    }
    for (const value of w) total += 0.5 * ridge * value * value;
    return total;
  };
  let weights = new Array<number>(k).fill(0);
  let current = loss(weights);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const gradient = weights.map((w) => ridge * w);
    const hessian = Array.from({ length: k }, (_, r) => Array.from({ length: k }, (_, c) => (r === c ? ridge : 0)));
    for (let i = 0; i < n; i++) {
      const x = features[i] as number[];
      let zi = 0;
      for (let c = 0; c < k; c++) zi += (x[c] as number) * (weights[c] as number);
      const p = sigmoid(zi);
      const residual = p - (targets[i] as number);
      const curvature = Math.max(p * (1 - p), 1e-12);
      for (let r = 0; r < k; r++) {
        gradient[r] = (gradient[r] as number) + residual * (x[r] as number);
        const hr = hessian[r] as number[];
        for (let c = 0; c < k; c++) hr[c] = (hr[c] as number) + curvature * (x[r] as number) * (x[c] as number);
      }
    }
    if (Math.max(...gradient.map(Math.abs)) < 1e-10 * n) break;
    const step = solve(hessian, gradient);
    let scale = 1;
    let candidate = weights.map((w, c) => w - scale * (step[c] as number));
    let candidateLoss = loss(candidate);
    while (!(candidateLoss <= current) && scale > 1e-8) {
      scale /= 2;
      candidate = weights.map((w, c) => w - scale * (step[c] as number));
      candidateLoss = loss(candidate);
    }
    if (!(candidateLoss <= current)) break;
    const moved = Math.max(...step.map((s) => Math.abs(s * scale)));
    weights = candidate;
    current = candidateLoss;
    if (moved < 1e-12) {
      iterations++;
      break;
    }
  }
  const intercept = weights[0] as number;
  const length = useLength ? (weights[1] as number) : 0;
  const difficulty = withDifficulty ? (weights[k - 1] as number) : 0;
  let controlled = 0;
  for (const row of rows) controlled += sigmoid(intercept + difficulty * (row.difficulty ?? 0));
  const raw = winRate(targets);
  return {
    winRate: controlled / n,
    rawWinRate: raw.mean,
    rawStandardError: raw.standardError,
    coefficients: { intercept, length, difficulty },
    lengthScale,
    iterations,
  };
}
