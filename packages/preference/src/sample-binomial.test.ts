import { createRng } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { multinomialSampler, sampleBinomial, sampleMultinomial } from './sample-binomial.js';

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}

describe('sampleBinomial', () => {
  it('matches the exact binomial pmf (chi-square) on both the inversion and the recursive path', () => {
    for (const [n, p] of [
      [20, 0.3],
      [400, 0.27],
      [5000, 0.61],
    ] as const) {
      const rng = createRng(n);
      const draws = 20_000;
      const mean = n * p;
      const sd = Math.sqrt(n * p * (1 - p));
      const lo = Math.max(0, Math.floor(mean - 3 * sd));
      const hi = Math.min(n, Math.ceil(mean + 3 * sd));
      const observed = new Map<number, number>();
      let invalid = 0;
      for (let d = 0; d < draws; d++) {
        const x = sampleBinomial(rng, n, p);
        if (!(Number.isInteger(x) && x >= 0 && x <= n)) invalid++;
        const bin = x < lo ? lo - 1 : x > hi ? hi + 1 : x;
        observed.set(bin, (observed.get(bin) ?? 0) + 1);
      }
      const pmf = (k: number) => Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
      let chi = 0;
      let cells = 0;
      let inside = 0;
      // merge bins into groups with expected count ≥ 50
      let expectedGroup = 0;
      let observedGroup = 0;
      for (let k = lo; k <= hi; k++) {
        const e = pmf(k) * draws;
        inside += pmf(k);
        expectedGroup += e;
        observedGroup += observed.get(k) ?? 0;
        if (expectedGroup >= 50 || k === hi) {
          chi += (observedGroup - expectedGroup) ** 2 / expectedGroup;
          cells++;
          expectedGroup = 0;
          observedGroup = 0;
        }
      }
      const tails = (observed.get(lo - 1) ?? 0) + (observed.get(hi + 1) ?? 0);
      const expectedTails = (1 - inside) * draws;
      chi += (tails - expectedTails) ** 2 / Math.max(expectedTails, 1);
      expect(invalid).toBe(0);
      cells++;
      // chi-square with ~cells−1 degrees of freedom: mean cells−1, sd √(2(cells−1)); allow 5 sd
      expect(chi).toBeLessThan(cells - 1 + 5 * Math.sqrt(2 * (cells - 1)));
    }
  });

  it('handles the edges exactly', () => {
    const rng = createRng(1);
    expect(sampleBinomial(rng, 0, 0.5)).toBe(0);
    expect(sampleBinomial(rng, 10, 0)).toBe(0);
    expect(sampleBinomial(rng, 10, 1)).toBe(10);
    expect(sampleBinomial(rng, 1_000_000_000, 1e-12)).toBeLessThan(10);
  });
});

describe('sampleMultinomial', () => {
  it('keeps the total, skips empty cells and has mean total·w/Σw', () => {
    const rng = createRng(3);
    const weights = [5, 0, 1, 14, 0];
    const sums = [0, 0, 0, 0, 0];
    const rounds = 2000;
    let bad = 0;
    for (let r = 0; r < rounds; r++) {
      const x = sampleMultinomial(rng, 200, weights);
      if (x.reduce((a, b) => a + b, 0) !== 200 || x[1] !== 0 || x[4] !== 0) bad++;
      x.forEach((v, i) => {
        sums[i] = (sums[i] as number) + v;
      });
    }
    expect(bad).toBe(0);
    const expected = weights.map((w) => (200 * w) / 20);
    sums.forEach((s, i) => {
      const e = expected[i] as number;
      const sd = Math.sqrt((200 * ((weights[i] as number) / 20) * (1 - (weights[i] as number) / 20)) / rounds);
      expect(Math.abs(s / rounds - e)).toBeLessThanOrEqual(5 * sd + 1e-12);
    });
  });

  it('has the multinomial variances and covariances total·pᵢ·(δᵢⱼ − pⱼ)', () => {
    // 3000 draws of 400 items over 4 cells; the sample moments of a correct sampler lie within a
    // few standard errors (fourth-moment based) of the exact ones.
    const rng = createRng(9);
    const weights = [1, 2, 3, 4];
    const p = weights.map((w) => w / 10);
    const total = 400;
    const rounds = 3000;
    const draws = Array.from({ length: rounds }, () => Array.from(sampleMultinomial(rng, total, weights)));
    const mean = p.map((_, i) => draws.reduce((s, d) => s + (d[i] as number), 0) / rounds);
    for (const [i, j] of [
      [0, 0],
      [3, 3],
      [0, 3],
      [1, 2],
    ] as const) {
      const cov =
        draws.reduce(
          (s, d) => s + ((d[i] as number) - (mean[i] as number)) * ((d[j] as number) - (mean[j] as number)),
          0,
        ) /
        (rounds - 1);
      const exact = total * (p[i] as number) * ((i === j ? 1 : 0) - (p[j] as number));
      const scale = total * Math.sqrt((p[i] as number) * (p[j] as number));
      expect(Math.abs(cov - exact)).toBeLessThan((5 * scale * Math.SQRT2) / Math.sqrt(rounds));
    }
  });

  it('draws the same from a prepared sampler, call after call, as from sampleMultinomial', () => {
    const weights = Array.from({ length: 37 }, (_, i) => (i % 5 === 0 ? 0 : 1 + (i % 7)));
    const prepared = multinomialSampler(weights);
    const a = createRng(11);
    const b = createRng(11);
    for (let round = 0; round < 20; round++) {
      expect(Array.from(prepared(a, 500 + round))).toEqual(Array.from(sampleMultinomial(b, 500 + round, weights)));
    }
  });
});
