import { describe, expect, it } from 'vitest';
import { describeDistribution, distributionMetrics } from './distribution.js';

describe('describeDistribution', () => {
  it('matches numpy quantiles (linear interpolation) on a hand example', () => {
    // numpy.quantile([1, 2, 3, 4, 10], [0.1, 0.25, 0.5, 0.75, 0.9]) = [1.4, 2, 3, 4, 7.6]
    const d = describeDistribution([4, 1, 10, 3, 2]);
    expect(d.count).toBe(5);
    expect(d.mean).toBeCloseTo(4, 12);
    expect(d.min).toBe(1);
    expect(d.max).toBe(10);
    expect(d.q10).toBeCloseTo(1.4, 12);
    expect(d.q25).toBeCloseTo(2, 12);
    expect(d.q50).toBeCloseTo(3, 12);
    expect(d.q75).toBeCloseTo(4, 12);
    expect(d.q90).toBeCloseTo(7.6, 12);
    expect(distributionMetrics('gate', d)['gate/q50']).toBe(3);
  });

  it('gives NaN statistics for an empty sample and ignores non-finite values', () => {
    expect(describeDistribution([]).mean).toBeNaN();
    expect(describeDistribution([1, Number.NaN, 3]).mean).toBe(2);
  });
});
