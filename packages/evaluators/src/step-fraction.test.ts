import { describe, expect, it } from 'vitest';
import { stepFraction } from './step-fraction.js';

describe('stepFraction', () => {
  it('recovers α from reached = start + α·(ideal − start) + an orthogonal part', () => {
    const start = [0.5, 0.3, 0.2];
    const ideal = [0.2, 0.5, 0.3]; // step (−0.3, 0.2, 0.1)
    const orthogonal = [0.1, 0.2, -0.1]; // (−0.3, 0.2, 0.1)·(0.1, 0.2, −0.1) = −0.03 + 0.04 − 0.01 = 0
    for (const alpha of [-0.5, 0, 0.3, 1, 1.7]) {
      const reached = start.map((s, i) => s + alpha * ((ideal[i] as number) - s) + (orthogonal[i] as number) * 0.5);
      const result = stepFraction({ start, reached, ideal });
      expect(result.fraction).toBeCloseTo(alpha, 14);
      expect(result.idealLength).toBeCloseTo(Math.sqrt(0.14), 14);
    }
    const exact = stepFraction({ start, reached: ideal, ideal });
    expect(exact.fraction).toBeCloseTo(1, 14);
    expect(exact.cosine).toBeCloseTo(1, 14);
  });

  it('is NaN for a zero ideal step and rejects vectors of different lengths', () => {
    expect(stepFraction({ start: [1, 0], reached: [0.5, 0.5], ideal: [1, 0] }).fraction).toBeNaN();
    expect(() => stepFraction({ start: [1, 0], reached: [1], ideal: [1, 0] })).toThrow(/reached has 1 entries/);
  });
});
