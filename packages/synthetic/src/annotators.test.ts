import { createRng } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { drawAnnotators, majorityMatrix, numAnnotators } from './annotators.js';
import { numContexts, numQualities, numTopics } from './vocabulary.js';

describe('majorityMatrix', () => {
  it('is the share of annotators preferring each side, ties one half', () => {
    // Three annotators over three items: a Condorcet profile a>b>c, b>c>a, c>a>b.
    const m = majorityMatrix([
      [3, 2, 1],
      [1, 3, 2],
      [2, 1, 3],
    ]);
    expect(m[0]?.[0]).toBe(0.5);
    expect(m[0]?.[1]).toBeCloseTo(2 / 3, 15);
    expect(m[0]?.[2]).toBeCloseTo(1 / 3, 15);
    expect(m[1]?.[0]).toBeCloseTo(1 / 3, 15);
    expect(m[1]?.[2]).toBeCloseTo(2 / 3, 15);
    expect(m[2]?.[0]).toBeCloseTo(2 / 3, 15);
    const tie = majorityMatrix([
      [1, 1],
      [2, 1],
    ]);
    expect(tie[1]?.[0]).toBe(0.25);
    expect(tie[0]?.[1]).toBe(0.75);
  });
});

describe('drawAnnotators', () => {
  it('is a Latin square over qualities for every topic and seed', () => {
    for (const seed of [0, 1, 7, 12345]) {
      const population = drawAnnotators(createRng(seed));
      for (let t = 0; t < numTopics; t++) {
        const ranks = population.qualityRank[t] ?? [];
        expect(ranks).toHaveLength(numAnnotators);
        for (let q = 0; q < numQualities; q++) {
          const column = ranks.map((row) => row[q]);
          expect(new Set(column).size).toBe(numQualities);
        }
        for (const row of population.contextRank[t] ?? []) {
          expect([...row].sort()).toEqual(Array.from({ length: numContexts }, (_, c) => c));
        }
      }
    }
  });

  it('depends on the seed', () => {
    const a = JSON.stringify(drawAnnotators(createRng(1)));
    expect(JSON.stringify(drawAnnotators(createRng(1)))).toBe(a);
    expect(JSON.stringify(drawAnnotators(createRng(2)))).not.toBe(a);
  });
});
