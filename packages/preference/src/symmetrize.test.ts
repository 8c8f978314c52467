import { describe, expect, it } from 'vitest';
import { isConstantSum } from './constant-sum.js';
import { symmetrize } from './symmetrize.js';

describe('symmetrize', () => {
  it('removes a constant first-position bonus exactly', () => {
    // true preference P, judge adds +b for the first shown: F[first][second] = P[first][second] + b
    const truth = [
      [0.5, 0.7, 0.2],
      [0.3, 0.5, 0.6],
      [0.8, 0.4, 0.5],
    ];
    const b = 0.08;
    const first = truth.map((row, i) => row.map((p, j) => (i === j ? 0.5 : p + b)));
    const m = symmetrize(first);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(m[i]?.[j]).toBeCloseTo(truth[i]?.[j] as number, 12);
  });

  it('is (P(i first) + 1 − P(j first, i second))/2 with separate forward and backward queries', () => {
    const forward = [
      [0.5, 0.9],
      [0, 0.5],
    ]; // only [0][1] read: P(y0 wins | y0 first) = 0.9
    const backward = [
      [0.5, 0],
      [0.3, 0.5],
    ]; // only [1][0] read: P(y1 wins | y1 first) = 0.3
    const m = symmetrize(forward, backward);
    expect(m[0]?.[1]).toBeCloseTo((0.9 + 1 - 0.3) / 2, 15);
    expect(m[1]?.[0]).toBeCloseTo(1 - (0.9 + 1 - 0.3) / 2, 15);
    expect(isConstantSum(m, 1e-15)).toBe(true);
  });

  it('rejects bad input naming the cell', () => {
    expect(() =>
      symmetrize([
        [0.5, 2],
        [0.1, 0.5],
      ]),
    ).toThrowError(/forward\[0\]\[1\] = 2/);
    expect(() => symmetrize([[0.5]], [[0.5, 0.5]])).toThrowError(/backward must be a 1×1/);
  });
});
