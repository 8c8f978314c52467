import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

describe('createRng', () => {
  it('is reproducible from a seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('resumes exactly from a saved state, forks included', () => {
    const a = createRng(7);
    for (let i = 0; i < 10; i++) a.next();
    const saved = a.state();
    const b = createRng({ state: saved });
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(Array.from({ length: 5 }, () => a.next()));
    expect(createRng({ state: saved }).fork('x').next()).toBe(createRng(7).fork('x').next());
  });

  it('draws uniform integers (chi-square test, 10 bins, 20000 draws)', () => {
    const rng = createRng(1);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) counts[rng.int(10)]++;
    const chi2 = counts.reduce((s, c) => s + (c - 2000) ** 2 / 2000, 0);
    // 99.9% quantile of chi-square with 9 degrees of freedom is 27.88
    expect(chi2).toBeLessThan(27.88);
  });

  it('draws standard normals with mean 0 and variance 1', () => {
    const rng = createRng(3);
    const n = 20000;
    const xs = Array.from({ length: n }, () => rng.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('draws categories in proportion to their weights and rejects bad weights', () => {
    const rng = createRng(5);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[rng.categorical([1, 0, 3])]!++;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / 30000).toBeCloseTo(0.75, 1);
    expect(() => rng.categorical([0, 0])).toThrow(/positive weight/);
    expect(() => rng.categorical([1, -1])).toThrow(/non-negative/);
  });

  it('shuffles into a permutation without touching the input', () => {
    const input = [1, 2, 3, 4, 5];
    const out = createRng(9).shuffle(input);
    expect(input).toEqual([1, 2, 3, 4, 5]);
    expect([...out].sort()).toEqual(input);
  });
});
