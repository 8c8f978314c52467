import { describe, expect, it } from 'vitest';
import { perSeedSummary } from './per-seed-summary.js';

describe('perSeedSummary', () => {
  it('gives mean, spread and sign counts computed by hand', () => {
    // mean 0.01; deviations 0.02, −0.03, 0.01 → s² = (4 + 9 + 1)e−4 / 2 = 7e−4
    const result = perSeedSummary([0.03, -0.02, 0.02]);
    expect(result.mean).toBeCloseTo(0.01, 15);
    expect(result.standardDeviation).toBeCloseTo(Math.sqrt(7e-4), 15);
    expect(result.standardError).toBeCloseTo(Math.sqrt(7e-4 / 3), 15);
    expect([result.min, result.max, result.positive, result.negative]).toEqual([-0.02, 0.03, 2, 1]);
  });

  it('rejects an empty list and non-finite values', () => {
    expect(() => perSeedSummary([])).toThrow(/at least one/);
    expect(() => perSeedSummary([0.1, Number.NaN])).toThrow(/not finite/);
  });
});
