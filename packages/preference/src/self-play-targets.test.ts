import { describe, expect, it } from 'vitest';
import { linearRampGate } from './gate.js';
import { selfPlayTargets, upperTriangle } from './self-play-targets.js';

describe('selfPlayTargets', () => {
  const m = [
    [0.5, 0.9, 0.8],
    [0.1, 0.5, 0.6],
    [0.2, 0.4, 0.5],
  ];

  it('takes win rates with the self term, argmax chosen and argmin rejected', () => {
    const t = selfPlayTargets({ matrix: m });
    // p̂ = row means: (2.2/3, 1.2/3, 1.1/3)
    expect(t.winRates[0]).toBeCloseTo(2.2 / 3, 12);
    expect(t.chosen).toBe(0);
    expect(t.rejected).toBe(2);
    expect(t.pairPreference).toBe(0.8);
    expect(t.chosenWinRate).toBeCloseTo(2.2 / 3, 12);
    expect(t.rejectedWinRate).toBeCloseTo(1.1 / 3, 12);
    expect(selfPlayTargets({ matrix: m, includeSelf: false }).winRates[0]).toBeCloseTo(0.85, 12);
  });

  it('gates by hand: identical responses 0 and 1 get M̃ = 1/2, the rest keep their margin', () => {
    // embeddings: e0 = e1, e2 orthogonal → s01 = 1, s02 = s12 = 0; ramp [0.5, 0.95] → g = 0 and 1.
    const t = selfPlayTargets({
      matrix: m,
      embeddings: [
        [1, 0],
        [1, 0],
        [0, 1],
      ],
      gate: linearRampGate({ low: 0.5, high: 0.95 }),
    });
    expect(t.matrix[0]?.[1]).toBeCloseTo(0.5, 12);
    expect(t.matrix[1]?.[0]).toBeCloseTo(0.5, 12);
    expect(t.matrix[0]?.[2]).toBeCloseTo(0.8, 12);
    expect(upperTriangle(t.gateValues ?? [])).toEqual([0, 1, 1]);
    expect(upperTriangle(t.similarity ?? [])).toEqual([1, 0, 0]);
    // p̂ from M̃: (0.5+0.5+0.8)/3, (0.5+0.5+0.6)/3, (0.2+0.4+0.5)/3
    expect(t.winRates[0]).toBeCloseTo(1.8 / 3, 12);
    expect(t.winRates[1]).toBeCloseTo(1.6 / 3, 12);
  });

  it('rejects a matrix that is not constant-sum', () => {
    expect(() =>
      selfPlayTargets({
        matrix: [
          [0.5, 0.9],
          [0.3, 0.5],
        ],
      }),
    ).toThrow();
  });
});
