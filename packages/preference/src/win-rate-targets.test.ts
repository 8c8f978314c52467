import { PrefplayError } from '@prefplay/core';
import { assertClose } from '@prefplay/testing';
import { describe, expect, it } from 'vitest';
import { winRateTargets } from './win-rate-targets.js';

// A constant-sum matrix worked by hand: M + Mᵀ = 1, diag 1/2.
const matrix = [
  [0.5, 0.8, 0.6, 0.9],
  [0.2, 0.5, 0.7, 0.4],
  [0.4, 0.3, 0.5, 0.6],
  [0.1, 0.6, 0.4, 0.5],
];

describe('winRateTargets', () => {
  it('averages each row including the self term by default (official SPPO)', () => {
    const targets = winRateTargets(matrix);
    // row sums 2.8, 1.8, 1.8, 1.6 over K = 4
    assertClose(targets.winRates, [0.7, 0.45, 0.45, 0.4], { atol: 1e-12 });
    expect(targets.chosen).toBe(0);
    expect(targets.rejected).toBe(3);
    expect(targets.pairPreference).toBe(0.9);
  });

  it('averages over the other K − 1 responses without the self term', () => {
    const targets = winRateTargets(matrix, { includeSelf: false });
    // (row sum − 1/2) / 3
    assertClose(targets.winRates, [2.3 / 3, 1.3 / 3, 1.3 / 3, 1.1 / 3], { atol: 1e-12 });
    // p̂_with = (1/2 + (K−1)·p̂_without)/K: same order, hence the same chosen and rejected
    const withSelf = winRateTargets(matrix).winRates;
    assertClose(
      targets.winRates.map((p) => (0.5 + 3 * p) / 4),
      withSelf,
      { atol: 1e-12 },
    );
    expect([targets.chosen, targets.rejected]).toEqual([0, 3]);
  });

  it('breaks ties by the lowest index', () => {
    // rows 1 and 2 tie for the best, rows 0 and 3 for the worst
    const tied = [
      [0.5, 0.3, 0.3, 0.5],
      [0.7, 0.5, 0.5, 0.7],
      [0.7, 0.5, 0.5, 0.7],
      [0.5, 0.3, 0.3, 0.5],
    ];
    const targets = winRateTargets(tied);
    expect([targets.chosen, targets.rejected, targets.pairPreference]).toEqual([1, 0, 0.7]);
    // a Condorcet cycle: every win rate is 1/2, chosen = rejected = 0
    const cycle = [
      [0.5, 1, 0],
      [0, 0.5, 1],
      [1, 0, 0.5],
    ];
    expect(winRateTargets(cycle)).toEqual({ winRates: [0.5, 0.5, 0.5], chosen: 0, rejected: 0, pairPreference: 0.5 });
  });

  it('rejects matrices that are not square, too small, or not probabilities', () => {
    const fails = (m: number[][], pattern: RegExp) => {
      try {
        winRateTargets(m);
        expect.unreachable();
      } catch (error) {
        expect(PrefplayError.hasCode(error, 'invalid-input')).toBe(true);
        expect((error as Error).message).toMatch(pattern);
      }
    };
    fails([[0.5]], /at least 2 rows/);
    fails(
      [
        [0.5, 0.5],
        [0.5, 0.5, 0.5],
      ],
      /square.*row 1 has 3/,
    );
    fails(
      [
        [0.5, Number.NaN],
        [0.5, 0.5],
      ],
      /M\[0\]\[1\] = NaN/,
    );
    fails(
      [
        [0.5, 1.2],
        [-0.2, 0.5],
      ],
      /M\[0\]\[1\] = 1.2 is not a probability in \[0, 1\]/,
    );
  });
});
