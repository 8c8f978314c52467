import { createRng } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { randomPreferenceMatrix } from './__fixtures__/games.js';
import { twoSampleWinRate, twoSampleWinRateDifference } from './two-sample-win-rate.js';

function counts(rng: ReturnType<typeof createRng>, probabilities: readonly number[], n: number): number[] {
  const out = new Array<number>(probabilities.length).fill(0);
  for (let i = 0; i < n; i++) {
    const k = rng.categorical(probabilities);
    out[k] = (out[k] as number) + 1;
  }
  return out;
}

/** Exact moments of the two-sample U-statistic over discrete distributions (Hoeffding). */
function exactMoments(matrix: number[][], p: number[], q: number[]) {
  const n = p.length;
  const rowMeans = matrix.map((row) => row.reduce((s, x, j) => s + x * (q[j] as number), 0));
  const columnMeans = q.map((_, j) => matrix.reduce((s, row, i) => s + (row[j] as number) * (p[i] as number), 0));
  const mean = rowMeans.reduce((s, r, i) => s + r * (p[i] as number), 0);
  const zeta10 = rowMeans.reduce((s, r, i) => s + (p[i] as number) * r * r, 0) - mean * mean;
  const zeta01 = columnMeans.reduce((s, c, j) => s + (q[j] as number) * c * c, 0) - mean * mean;
  let second = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) second += (p[i] as number) * (q[j] as number) * (matrix[i]?.[j] as number) ** 2;
  }
  return { mean, zeta10, zeta01, zeta11: second - mean * mean, columnMeans };
}

describe('twoSampleWinRate', () => {
  it('matches a hand computation and treats weights as multiplicities', () => {
    // model items a1, a2 against baseline items b1, b2: P = [[1, 0.5], [0, 0.5]]
    // W = 0.5; row means (0.75, 0.25): S² = 0.125, /2; column means (0.5, 0.5): S² = 0
    const result = twoSampleWinRate([
      {
        model: {
          matrix: [
            [1, 0.5],
            [0, 0.5],
          ],
        },
      },
    ]);
    expect(result.mean).toBeCloseTo(0.5, 15);
    expect(result.modelStandardError).toBeCloseTo(Math.sqrt(0.125 / 2), 15);
    expect(result.baselineStandardError).toBe(0);
    const matrix = [
      [0.9, 0.2, 0.4],
      [0.1, 0.6, 0.3],
    ];
    const weighted = twoSampleWinRate([{ baselineWeights: [2, 1, 3], model: { matrix, weights: [3, 2] } }]);
    const expandedRows = [0, 0, 0, 1, 1].map((i) => [0, 0, 1, 2, 2, 2].map((j) => matrix[i]?.[j] as number));
    const expanded = twoSampleWinRate([{ model: { matrix: expandedRows } }]);
    expect(weighted.mean).toBeCloseTo(expanded.mean, 14);
    expect(weighted.modelStandardError).toBeCloseTo(expanded.modelStandardError, 14);
    expect(weighted.baselineStandardError).toBeCloseTo(expanded.baselineStandardError, 14);
  });

  it('has a standard error whose square matches the exact variance of the U-statistic (Monte Carlo)', () => {
    const matrix = randomPreferenceMatrix(5, 11);
    const p = [0.4, 0.3, 0.1, 0.1, 0.1];
    const q = [0.1, 0.2, 0.3, 0.2, 0.2];
    const na = 30;
    const nb = 40;
    const exact = exactMoments(matrix, p, q);
    const exactVariance = (exact.zeta11 + (nb - 1) * exact.zeta10 + (na - 1) * exact.zeta01) / (na * nb);
    const rng = createRng(3);
    const estimates: number[] = [];
    const seVariances: number[] = [];
    const replicates = 4000;
    for (let r = 0; r < replicates; r++) {
      const result = twoSampleWinRate([
        { baselineWeights: counts(rng, q, nb), model: { matrix, weights: counts(rng, p, na) } },
      ]);
      estimates.push(result.mean);
      seVariances.push(result.standardError ** 2);
    }
    const mean = estimates.reduce((a, b) => a + b, 0) / replicates;
    const empirical = estimates.reduce((s, x) => s + (x - mean) ** 2, 0) / (replicates - 1);
    expect(Math.abs(mean - exact.mean)).toBeLessThan(4 * Math.sqrt(exactVariance / replicates));
    expect(empirical / exactVariance).toBeGreaterThan(0.9);
    expect(empirical / exactVariance).toBeLessThan(1.1);
    const meanEstimate = seVariances.reduce((a, b) => a + b, 0) / replicates;
    expect(meanEstimate / exactVariance).toBeGreaterThan(0.93);
    expect(meanEstimate / exactVariance).toBeLessThan(1.07);
    // ignoring the baseline's noise would understate it: its share here is ζ01/n_b
    expect(((nb - 1) * exact.zeta01) / (na * nb) / exactVariance).toBeGreaterThan(0.2);
  });

  it('gives the paired difference against a shared baseline the exact variance (Monte Carlo)', () => {
    const matrix = randomPreferenceMatrix(4, 5);
    const p1 = [0.5, 0.2, 0.2, 0.1];
    const p2 = [0.1, 0.2, 0.3, 0.4];
    const q = [0.25, 0.25, 0.3, 0.2];
    const [n1, n2, nb] = [25, 35, 30];
    const m1 = exactMoments(matrix, p1, q);
    const m2 = exactMoments(matrix, p2, q);
    const variance = (m: typeof m1, na: number) => (m.zeta11 + (nb - 1) * m.zeta10 + (na - 1) * m.zeta01) / (na * nb);
    const meanColumns = q.reduce((s, qj, j) => s + qj * (m1.columnMeans[j] as number), 0);
    const meanColumns2 = q.reduce((s, qj, j) => s + qj * (m2.columnMeans[j] as number), 0);
    const covariance =
      q.reduce((s, qj, j) => s + qj * (m1.columnMeans[j] as number) * (m2.columnMeans[j] as number), 0) -
      meanColumns * meanColumns2;
    const exactVariance = variance(m1, n1) + variance(m2, n2) - (2 * covariance) / nb;
    const rng = createRng(8);
    const values: number[] = [];
    const seVariances: number[] = [];
    const replicates = 4000;
    for (let r = 0; r < replicates; r++) {
      const result = twoSampleWinRateDifference([
        {
          baselineWeights: counts(rng, q, nb),
          first: { matrix, weights: counts(rng, p1, n1) },
          second: { matrix, weights: counts(rng, p2, n2) },
        },
      ]);
      values.push(result.mean);
      seVariances.push(result.standardError ** 2);
    }
    const mean = values.reduce((a, b) => a + b, 0) / replicates;
    expect(Math.abs(mean - (m1.mean - m2.mean))).toBeLessThan(4 * Math.sqrt(exactVariance / replicates));
    const empirical = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (replicates - 1);
    expect(empirical / exactVariance).toBeGreaterThan(0.9);
    expect(empirical / exactVariance).toBeLessThan(1.1);
    const meanEstimate = seVariances.reduce((a, b) => a + b, 0) / replicates;
    expect(meanEstimate / exactVariance).toBeGreaterThan(0.93);
    expect(meanEstimate / exactVariance).toBeLessThan(1.07);
  });

  it('averages groups and adds their variances over G²', () => {
    const a = twoSampleWinRate([
      {
        model: {
          matrix: [
            [1, 0.5],
            [0, 0.5],
          ],
        },
      },
    ]);
    const b = twoSampleWinRate([
      {
        model: {
          matrix: [
            [0.2, 0.8],
            [0.6, 0.4],
            [1, 1],
          ],
        },
      },
    ]);
    const both = twoSampleWinRate([
      {
        model: {
          matrix: [
            [1, 0.5],
            [0, 0.5],
          ],
        },
      },
      {
        model: {
          matrix: [
            [0.2, 0.8],
            [0.6, 0.4],
            [1, 1],
          ],
        },
      },
    ]);
    expect(both.mean).toBeCloseTo((a.mean + b.mean) / 2, 15);
    expect(both.standardError).toBeCloseTo(Math.sqrt(a.standardError ** 2 + b.standardError ** 2) / 2, 15);
  });

  it('rejects malformed input with the field named', () => {
    expect(() => twoSampleWinRate([])).toThrow(/no groups/);
    expect(() =>
      twoSampleWinRate([
        {
          model: {
            matrix: [
              [1, 0.5],
              [0, 2],
            ],
          },
        },
      ]),
    ).toThrow(/matrix\[1\]\[1\]/);
    expect(() => twoSampleWinRate([{ model: { matrix: [[1, 0.5], [0]] } }])).toThrow(/matrix\[1\]/);
    expect(() => twoSampleWinRate([{ model: { matrix: [[1, 0.5]], weights: [1, 2] } }])).toThrow(/weights/);
    expect(() => twoSampleWinRate([{ model: { matrix: [[1, 0.5]] } }])).toThrow(/at least two/);
  });
});
