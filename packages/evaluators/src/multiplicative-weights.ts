import { parseOptions } from '@prefplay/core';
import { z } from 'zod';
import { payoffAgainst, unsafeExploitability } from './exploitability.js';
import { assertGameMatrix, assertPolicy } from './game-inputs.js';

const multiplicativeWeightsSchema = z.object({
  /** Step size η of `π_{t+1} ∝ π_t exp(η (M π_t))`; theory takes η = Θ(1/√T). */
  eta: z.number().positive().finite(),
  /** Number of updates T. */
  iterations: z.number().int().min(1).max(10_000_000),
  /** Starting policy π_0 (default uniform); must lie in the simplex. */
  initial: z.array(z.number()).optional(),
  /** Allowed deviation of the matrix and `initial` from their constraints (default 1e-6). */
  tolerance: z.number().nonnegative().max(0.1).optional(),
});

export type MultiplicativeWeightsOptions = z.input<typeof multiplicativeWeightsSchema>;

export type MultiplicativeWeightsResult = {
  /** `π_t` for t = 0..T (T + 1 entries; entry 0 is the initial policy). */
  readonly lastIterates: number[][];
  /** `π̄_t = (1/(t+1)) Σ_{s ≤ t} π_s` for t = 0..T. */
  readonly averageIterates: number[][];
  /** `exploitability(M, π_t)` for t = 0..T. */
  readonly lastExploitability: number[];
  /** `exploitability(M, π̄_t)` for t = 0..T. */
  readonly averageExploitability: number[];
};

/**
 * Exact tabular SPPO dynamics (multiplicative weights / Hedge) on a preference matrix:
 * `π_{t+1}(y) ∝ π_t(y) · exp(η · (M π_t)_y)`, kept in log space. With η = Θ(1/√T) the average
 * iterate's duality gap is O(1/√T); the last iterate may cycle (method.md §2).
 */
export function multiplicativeWeights(
  matrix: readonly (readonly number[])[],
  options: MultiplicativeWeightsOptions,
): MultiplicativeWeightsResult {
  const { eta, iterations, initial, tolerance } = parseOptions(multiplicativeWeightsSchema, options, {
    what: 'multiplicativeWeights options',
  });
  const checks = tolerance !== undefined ? { tolerance } : {};
  assertGameMatrix(matrix, checks);
  const n = matrix.length;
  if (initial !== undefined) assertPolicy(initial, n, { ...checks, field: 'initial' });
  let policy = initial !== undefined ? initial.map((p) => Math.max(0, p)) : new Array<number>(n).fill(1 / n);
  const mass = policy.reduce((a, b) => a + b, 0);
  policy = policy.map((p) => p / mass);
  const logWeights = policy.map((p) => Math.log(p));
  const sum = policy.slice();
  const lastIterates: number[][] = [policy];
  const averageIterates: number[][] = [policy.slice()];
  const lastExploitability = [unsafeExploitability(matrix, policy)];
  const averageExploitability = [lastExploitability[0] as number];
  for (let t = 1; t <= iterations; t++) {
    const payoff = payoffAgainst(matrix, policy);
    let maximum = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      logWeights[i] = (logWeights[i] as number) + eta * (payoff[i] as number);
      if ((logWeights[i] as number) > maximum) maximum = logWeights[i] as number;
    }
    let total = 0;
    const next = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const w = Math.exp((logWeights[i] as number) - maximum);
      next[i] = w;
      total += w;
    }
    const logTotal = Math.log(total) + maximum;
    for (let i = 0; i < n; i++) {
      next[i] = (next[i] as number) / total;
      logWeights[i] = (logWeights[i] as number) - logTotal;
      sum[i] = (sum[i] as number) + (next[i] as number);
    }
    policy = next;
    const average = sum.map((s) => s / (t + 1));
    lastIterates.push(policy);
    averageIterates.push(average);
    lastExploitability.push(unsafeExploitability(matrix, policy));
    averageExploitability.push(unsafeExploitability(matrix, average));
  }
  return { lastIterates, averageIterates, lastExploitability, averageExploitability };
}
