import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { randomPreferenceMatrix, rockPaperScissors } from './__fixtures__/games.js';
import { exploitability } from './exploitability.js';
import { vonNeumannWinner } from './von-neumann-winner.js';

/** Weighted rock-paper-scissors: rock beats scissors by a, scissors beats paper by b, paper beats rock by c. */
function weightedRps(a: number, b: number, c: number): number[][] {
  return [
    [0.5, 0.5 - c / 2, 0.5 + a / 2],
    [0.5 + c / 2, 0.5, 0.5 - b / 2],
    [0.5 - a / 2, 0.5 + b / 2, 0.5],
  ];
}

/** Fictitious play, an independent method: each player best-responds to the other's empirical mix. */
function fictitiousPlay(matrix: number[][], rounds: number): number[] {
  const n = matrix.length;
  const counts = new Array<number>(n).fill(0);
  counts[0] = 1;
  for (let t = 1; t < rounds; t++) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      let value = 0;
      for (let j = 0; j < n; j++) value += (matrix[i]?.[j] as number) * (counts[j] as number);
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    counts[best] = (counts[best] as number) + 1;
  }
  return counts.map((c) => c / rounds);
}

describe('vonNeumannWinner', () => {
  it('finds the uniform policy of rock-paper-scissors', () => {
    const { policy, value } = vonNeumannWinner(rockPaperScissors);
    policy.forEach((p) => {
      expect(p).toBeCloseTo(1 / 3, 12);
    });
    expect(value).toBeCloseTo(0.5, 12);
  });

  it('matches the closed form of weighted rock-paper-scissors: each weight ∝ the opposite edge', () => {
    // A p = 0 gives p_rock : p_paper : p_scissors = b : a : c.
    const [a, b, c] = [0.9, 0.3, 0.6];
    const { policy } = vonNeumannWinner(weightedRps(a, b, c));
    const total = a + b + c;
    expect(policy[0]).toBeCloseTo(b / total, 12);
    expect(policy[1]).toBeCloseTo(a / total, 12);
    expect(policy[2]).toBeCloseTo(c / total, 12);
  });

  it('returns the pure Condorcet winner when one exists', () => {
    const matrix = [
      [0.5, 0.2, 0.9, 0.4],
      [0.8, 0.5, 0.6, 0.7],
      [0.1, 0.4, 0.5, 0.3],
      [0.6, 0.3, 0.7, 0.5],
    ];
    const { policy, value } = vonNeumannWinner(matrix);
    expect(policy).toEqual([0, 1, 0, 0]);
    expect(value).toBeCloseTo(0.5, 12);
  });

  it('agrees with scipy linprog (HiGHS) on random games (fixture)', () => {
    const fixture = JSON.parse(
      readFileSync(new URL('./__fixtures__/von-neumann-scipy.json', import.meta.url), 'utf8'),
    ) as {
      cases: { matrix: number[][]; policy: number[]; value: number }[];
    };
    for (const { matrix, policy, value } of fixture.cases) {
      const winner = vonNeumannWinner(matrix);
      winner.policy.forEach((p, i) => {
        expect(p).toBeCloseTo(policy[i] as number, 7);
      });
      expect(winner.value).toBeCloseTo(value, 9);
    }
  });

  it('has exploitability ≈ 0 and value 1/2 on random games up to 60 strategies', () => {
    for (const [n, seed] of [
      [2, 1],
      [10, 2],
      [25, 3],
      [60, 4],
    ] as const) {
      const matrix = randomPreferenceMatrix(n, seed);
      const { policy, value } = vonNeumannWinner(matrix);
      expect(exploitability(matrix, policy, { tolerance: 1e-9 })).toBeLessThan(1e-10);
      expect(value).toBeCloseTo(0.5, 10);
    }
  });

  it('agrees with the average of fictitious play on a game with a unique mixed winner', () => {
    const matrix = weightedRps(0.8, 0.4, 0.6);
    const reference = fictitiousPlay(matrix, 200_000);
    const { policy } = vonNeumannWinner(matrix);
    policy.forEach((p, i) => {
      expect(Math.abs(p - (reference[i] as number))).toBeLessThan(5e-3);
    });
    expect(exploitability(matrix, reference)).toBeLessThan(5e-3);
  });

  it('rejects a matrix that is not constant-sum, naming the cell', () => {
    expect(() =>
      vonNeumannWinner([
        [0.5, 0.9],
        [0.2, 0.5],
      ]),
    ).toThrow(/matrix\[0\]\[1\]/);
  });
});
