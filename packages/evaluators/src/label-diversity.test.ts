import { describe, expect, it } from 'vitest';
import { labelDiversity } from './label-diversity.js';

/** Mean number of distinct labels over every k-subset, by enumeration. */
function bruteForceDistinct(labels: readonly string[], k: number): number {
  let total = 0;
  let subsets = 0;
  const visit = (start: number, chosen: string[]) => {
    if (chosen.length === k) {
      total += new Set(chosen).size;
      subsets++;
      return;
    }
    for (let i = start; i < labels.length; i++) visit(i + 1, [...chosen, labels[i] as string]);
  };
  visit(0, []);
  return total / subsets;
}

describe('labelDiversity', () => {
  it('rarefies exactly: the mean distinct count over every k-subset', () => {
    const labels = ['a', 'a', 'a', 'b', 'b', 'c', 'd', 'a', 'e'];
    for (const k of [1, 2, 3, 5, 9]) {
      expect(labelDiversity(labels, { subsampleSize: k }).expectedDistinct).toBeCloseTo(
        bruteForceDistinct(labels, k),
        12,
      );
    }
  });

  it('gives distinct counts and the entropy in nats computed by hand', () => {
    const result = labelDiversity(['x', 'y', 'x', 'y'], { subsampleSize: 2 });
    expect(result.distinct).toBe(2);
    expect(result.entropy).toBeCloseTo(Math.log(2), 15);
    // two of the six pairs are (x, x) or (y, y): 2/6 · 1 + 4/6 · 2
    expect(result.expectedDistinct).toBeCloseTo(2 / 6 + 8 / 6, 15);
    expect(labelDiversity(['z', 'z', 'z'], { subsampleSize: 3 }).entropy).toBe(0);
  });

  it('estimates the population value Σ_c [1 − (1 − p_c)^k] without the sample-size drift of a raw count', () => {
    // labels with shares 1/2, 1/4, 1/8, 1/8: a large exact sample, rarefied to k = 4
    const labels = [...Array(64).fill('a'), ...Array(32).fill('b'), ...Array(16).fill('c'), ...Array(16).fill('d')];
    const population = [1 / 2, 1 / 4, 1 / 8, 1 / 8].reduce((s, p) => s + 1 - (1 - p) ** 4, 0);
    expect(labelDiversity(labels, { subsampleSize: 4 }).expectedDistinct).toBeCloseTo(population, 1);
  });

  it('rejects an empty sample and a subsample larger than the sample', () => {
    expect(() => labelDiversity([], { subsampleSize: 1 })).toThrow(/at least one label/);
    expect(() => labelDiversity(['a'], { subsampleSize: 2 })).toThrow(/subsampleSize/);
  });
});
