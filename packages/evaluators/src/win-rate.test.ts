import { describe, expect, it } from 'vitest';
import { winRate } from './win-rate.js';

describe('winRate', () => {
  it('gives the mean and the standard error s/√n computed by hand', () => {
    // mean 0.5; deviations (0.5, −0.5, 0, 0) → s² = 0.5/3, SE = √(0.5/3/4)
    const result = winRate([1, 0, 0.5, 0.5]);
    expect(result.mean).toBe(0.5);
    expect(result.standardError).toBeCloseTo(Math.sqrt(0.5 / 3 / 4), 15);
    expect(result.count).toBe(4);
  });

  it('has NaN standard error for one probability and rejects values outside [0, 1]', () => {
    expect(winRate([0.7]).standardError).toBeNaN();
    expect(() => winRate([0.2, 1.2])).toThrow(/probabilities\[1\]/);
    expect(() => winRate([])).toThrow(/at least one/);
  });
});
