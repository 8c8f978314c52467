import { describe, expect, it } from 'vitest';
import { isConstantSum } from './constant-sum.js';
import { fitBradleyTerry } from './fit-bradley-terry.js';
import { populationOracle } from './population-oracle.js';

const prompt = { id: 'p', tokens: [0] };
const candidates = [{ tokens: [0] }, { tokens: [1] }, { tokens: [2] }];
// three transitive annotators: A>B>C, B>C>A, C>A>B (utilities by candidate index)
const rankings = [
  [3, 2, 1],
  [1, 3, 2],
  [2, 1, 3],
];
const annotators = rankings.map(
  (u) => (_: unknown, r: { tokens: readonly number[] }) => u[r.tokens[0] as number] as number,
);

describe('populationOracle', () => {
  it('majority of transitive annotators is a Condorcet cycle', async () => {
    const m = await populationOracle({ annotators }).doCompare({ prompt, responses: candidates });
    expect(m[0]?.[1]).toBeCloseTo(2 / 3, 15); // A ≻ B
    expect(m[1]?.[2]).toBeCloseTo(2 / 3, 15); // B ≻ C
    expect(m[2]?.[0]).toBeCloseTo(2 / 3, 15); // C ≻ A: a cycle
    expect(isConstantSum(m, 1e-15)).toBe(true);
    // each annotator alone is transitive
    for (const a of annotators) {
      const single = await populationOracle({ annotators: [a] }).doCompare({ prompt, responses: candidates });
      const wins = single.map((row) => row.filter((p) => p > 0.5).length).sort();
      expect(wins).toEqual([0, 1, 2]);
    }
  });

  it('soft mode is the mean of σ(Δu/τ); weights and ties', async () => {
    const m = await populationOracle({ annotators, mode: 'soft', temperature: 2 }).doCompare({
      prompt,
      responses: candidates,
    });
    const s = (x: number) => 1 / (1 + Math.exp(-x));
    const expected = rankings.reduce((acc, u) => acc + s(((u[0] as number) - (u[1] as number)) / 2), 0) / 3;
    expect(m[0]?.[1]).toBeCloseTo(expected, 14);
    const weighted = await populationOracle({ annotators, weights: [2, 1, 0] }).doCompare({
      prompt,
      responses: candidates,
    });
    expect(weighted[0]?.[1]).toBeCloseTo(2 / 3, 15);
    expect(weighted[2]?.[0]).toBeCloseTo(1 / 3, 15);
    const tied = await populationOracle({ annotators: [() => 1] }).doCompare({ prompt, responses: candidates });
    expect(tied[0]?.[1]).toBe(0.5);
  });

  it('a Bradley-Terry fit to the cycle’s outcomes says all three are equal', async () => {
    const m = await populationOracle({ annotators }).doCompare({ prompt, responses: candidates });
    const battles = [];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        for (let r = 0; r < Math.round((m[i]?.[j] as number) * 30) && i !== j; r++)
          battles.push({ modelA: `c${i}`, modelB: `c${j}`, winner: 'model_a' as const });
    const fit = fitBradleyTerry(battles);
    for (const t of fit.theta) expect(Math.abs(t)).toBeLessThan(1e-9);
  });

  it('validates its options', () => {
    expect(() => populationOracle({ annotators: [] })).toThrowError(/populationOracle options.*"annotators"/);
    expect(() => populationOracle({ annotators, weights: [1] })).toThrowError(/"weights".*one weight per annotator/);
    expect(() => populationOracle({ annotators, temperature: 0 })).toThrowError(/"temperature"/);
  });

  it('rejects a non-finite utility naming the annotator', async () => {
    await expect(
      populationOracle({ annotators: [() => Number.NaN] }).doCompare({ prompt, responses: candidates }),
    ).rejects.toThrow(/annotator 0 gave utility NaN/);
  });
});
