import { describe, expect, it } from 'vitest';
import { randomPreferenceMatrix, rockPaperScissors } from './__fixtures__/games.js';
import { exploitability } from './exploitability.js';
import { multiplicativeWeights } from './multiplicative-weights.js';

describe('multiplicativeWeights', () => {
  it('takes the exact Hedge step computed by hand', () => {
    // M π_0 = (0.5, 0.625, 0.375) for π_0 = (0.5, 0.25, 0.25); π_1 ∝ π_0 · exp(η M π_0) with η = 1.
    const result = multiplicativeWeights(rockPaperScissors, { eta: 1, iterations: 1, initial: [0.5, 0.25, 0.25] });
    const unnormalised = [0.5 * Math.exp(0.5), 0.25 * Math.exp(0.625), 0.25 * Math.exp(0.375)];
    const total = unnormalised.reduce((a, b) => a + b, 0);
    result.lastIterates[1]?.forEach((p, i) => {
      expect(p).toBeCloseTo((unnormalised[i] as number) / total, 14);
    });
    result.averageIterates[1]?.forEach((p, i) => {
      expect(p).toBeCloseTo(((result.lastIterates[0]?.[i] as number) + (unnormalised[i] as number) / total) / 2, 14);
    });
    expect(result.lastExploitability[0]).toBeCloseTo(0.125, 14);
    expect(result.lastExploitability[1]).toBeCloseTo(
      exploitability(rockPaperScissors, result.lastIterates[1] ?? []),
      14,
    );
  });

  it('keeps the uniform policy of rock-paper-scissors fixed', () => {
    const result = multiplicativeWeights(rockPaperScissors, { eta: 0.5, iterations: 20 });
    expect(Math.max(...result.lastExploitability)).toBeLessThan(1e-14);
  });

  it('cycles in its last iterate while the average converges (rock-paper-scissors)', () => {
    const iterations = 4000;
    const result = multiplicativeWeights(rockPaperScissors, { eta: 0.1, iterations, initial: [0.6, 0.3, 0.1] });
    expect(result.lastExploitability).toHaveLength(iterations + 1);
    const lateLast = result.lastExploitability.slice(iterations / 2);
    expect(Math.min(...lateLast)).toBeGreaterThan(0.05);
    expect(result.averageExploitability[iterations]).toBeLessThan(0.02);
  });

  it('respects the Hedge regret bound expl(π̄_t) ≤ ln n / (η (t+1)) + η/8 on random games', () => {
    for (const seed of [1, 2, 3]) {
      const n = 8;
      const matrix = randomPreferenceMatrix(n, seed);
      const iterations = 2500;
      const eta = Math.sqrt((8 * Math.log(n)) / iterations);
      const result = multiplicativeWeights(matrix, { eta, iterations });
      result.averageExploitability.forEach((value, t) => {
        expect(value).toBeLessThanOrEqual(Math.log(n) / (eta * (t + 1)) + eta / 8 + 1e-12);
      });
      expect(result.averageExploitability[iterations]).toBeLessThan(Math.sqrt(Math.log(n) / (2 * iterations)) * 2);
    }
  });

  it('rejects bad options with the field named', () => {
    expect(() => multiplicativeWeights(rockPaperScissors, { eta: -1, iterations: 3 })).toThrow(/eta/);
    expect(() => multiplicativeWeights(rockPaperScissors, { eta: 1, iterations: 3, initial: [1, 0] })).toThrow(
      /initial/,
    );
  });
});
