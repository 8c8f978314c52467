import { createRng, PrefplayError, type Rng } from '@prefplay/core';
import { matrixOracle, mockEncoder } from '@prefplay/testing';
import { describe, expect, it } from 'vitest';
import { calibrate, calibrateDetailed, calibrateWithEncoder } from './calibrate.js';
import { assertConstantSum } from './constant-sum.js';
import { customGate, linearRampGate, oneMinusGate } from './gate.js';
import { gatedOracle } from './gated-oracle.js';
import { similarityMatrix } from './similarity-matrix.js';

function randomConstantSum(rng: Rng, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0.5));
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const u = rng.next();
      const p = u < 0.1 ? 0 : u > 0.9 ? 1 : rng.next();
      (m[i] as number[])[j] = p;
      (m[j] as number[])[i] = 1 - p;
    }
  }
  return m;
}

function randomEmbeddings(rng: Rng, k: number, dim: number): number[][] {
  const base = Array.from({ length: dim }, () => rng.normal());
  return Array.from({ length: k }, () => {
    const mix = rng.next();
    return base.map((b) => mix * b + (1 - mix) * rng.normal());
  });
}

describe('calibrate', () => {
  it('is 1/2 + g(s)(M − 1/2) elementwise', () => {
    const m = [
      [0.5, 0.9],
      [0.1, 0.5],
    ];
    const s = [
      [1, 0.5],
      [0.5, 1],
    ];
    const out = calibrate(m, s, linearRampGate({ low: 0.3, high: 0.7 }));
    expect(out[0]?.[1]).toBeCloseTo(0.5 + 0.5 * 0.4, 15);
    expect(out[1]?.[0]).toBeCloseTo(0.5 - 0.5 * 0.4, 15);
    // identical responses (s = 1) collapse to 1/2; unrelated (s = 0) keep the preference
    expect(
      calibrate(
        m,
        [
          [1, 1],
          [1, 1],
        ],
        oneMinusGate(),
      )[0]?.[1],
    ).toBe(0.5);
    expect(
      calibrate(
        m,
        [
          [1, 0],
          [0, 1],
        ],
        oneMinusGate(),
      )[0]?.[1],
    ).toBe(0.9);
  });

  it('property: random constant-sum matrices and embeddings stay constant-sum (M̃ + M̃ᵀ = 1, diag 1/2)', () => {
    const rng = createRng(2024);
    const gates = [oneMinusGate(), linearRampGate({ low: 0.1, high: 0.6 }), customGate((s) => Math.exp(-3 * s))];
    let worstSum = 0;
    let worstDiagonal = 0;
    let asymmetricGates = 0;
    let awayFromHalf = 0;
    for (let trial = 0; trial < 300; trial++) {
      const k = 2 + rng.int(9);
      const m = randomConstantSum(rng, k);
      const s = similarityMatrix(randomEmbeddings(rng, k, 1 + rng.int(8)));
      const gate = gates[trial % gates.length] ?? oneMinusGate();
      const { matrix, gateValues } = calibrateDetailed(m, s, gate);
      for (let i = 0; i < k; i++) {
        worstDiagonal = Math.max(worstDiagonal, Math.abs((matrix[i]?.[i] as number) - 0.5));
        for (let j = 0; j < k; j++) {
          worstSum = Math.max(worstSum, Math.abs((matrix[i]?.[j] as number) + (matrix[j]?.[i] as number) - 1));
          if (gateValues[i]?.[j] !== gateValues[j]?.[i]) asymmetricGates++;
          // calibration only moves toward 1/2
          if (Math.abs((matrix[i]?.[j] as number) - 0.5) > Math.abs((m[i]?.[j] as number) - 0.5) + 1e-15)
            awayFromHalf++;
        }
      }
      assertConstantSum(matrix, 'calibrated', 1e-12);
    }
    expect(worstSum).toBeLessThanOrEqual(1e-12);
    expect(worstDiagonal).toBeLessThanOrEqual(1e-15);
    expect(asymmetricGates).toBe(0);
    expect(awayFromHalf).toBe(0);
  });

  it('rejects a matrix that is not constant-sum, naming the cell', () => {
    expect(() =>
      calibrate(
        [
          [0.5, 0.9],
          [0.9, 0.5],
        ],
        [
          [1, 0],
          [0, 1],
        ],
        oneMinusGate(),
      ),
    ).toThrowError(/M\[0\]\[1\] \+ M\[1\]\[0\]/);
  });

  it('rejects an asymmetric similarity matrix, naming the cell, instead of breaking constant-sum', () => {
    const m = [
      [0.5, 0.9, 0.2],
      [0.1, 0.5, 0.6],
      [0.8, 0.4, 0.5],
    ];
    const asymmetric = [
      [1, 0.3, 0.2],
      [0.3, 1, 0.9],
      [0.2, 0.1, 1],
    ];
    // Cell by cell this would give M̃12 = 0.5 + 0.1·0.1 = 0.51 and M̃21 = 0.5 + 0.9·(−0.1) = 0.41: sum 0.92.
    let caught: unknown;
    try {
      calibrate(m, asymmetric, oneMinusGate());
    } catch (error) {
      caught = error;
    }
    expect(PrefplayError.hasCode(caught, 'invalid-input')).toBe(true);
    expect((caught as PrefplayError).where.field).toBe('similarity[1][2]');
    expect((caught as Error).message).toMatch(/similarity\[1\]\[2\] = 0\.9 but similarity\[2\]\[1\] = 0\.1/);
    // Within the 1e-6 tolerance it is accepted.
    const nearly = asymmetric.map((row) => row.slice());
    (nearly[2] as number[])[1] = 0.9 + 5e-7;
    expect(() => calibrate(m, nearly, oneMinusGate())).not.toThrow();
  });
});

describe('gatedOracle', () => {
  const rps = [
    [0.5, 1, 0],
    [0, 0.5, 1],
    [1, 0, 0.5],
  ];
  const prompt = { id: 'p', tokens: [0] };
  // responses 0 and 1 share their tokens exactly; 2 is disjoint
  const responses = [{ tokens: [3, 4] }, { tokens: [4, 3] }, { tokens: [7] }];

  it('calibrates each matrix and reports similarity and gate values', async () => {
    const seen: unknown[] = [];
    const oracle = gatedOracle({
      oracle: matrixOracle(rps),
      encoder: mockEncoder({ vocabSize: 8 }),
      gate: oneMinusGate(),
      onCalibration: (c) => seen.push(c),
    });
    const m = await oracle.doCompare({ prompt, responses });
    expect(m[0]?.[1]).toBeCloseTo(0.5, 12); // identical meaning → no preference
    expect(m[1]?.[2]).toBe(1); // unrelated → preference kept
    assertConstantSum(m, 'gated', 1e-12);
    expect(oracle.lastCalibration?.similarity[0]?.[1]).toBeCloseTo(1, 12);
    expect(oracle.lastCalibration?.gateValues[1]?.[2]).toBe(1);
    expect(seen).toHaveLength(1);
    expect(oracle.oracleId).toBe('gated(matrix-oracle,mock-encoder,one-minus)');
  });

  it('property: stays constant-sum for random oracles and encoders', async () => {
    const rng = createRng(7);
    for (let trial = 0; trial < 50; trial++) {
      const k = 2 + rng.int(6);
      const matrix = randomConstantSum(rng, k);
      const embeddings = randomEmbeddings(rng, k, 4);
      const oracle = gatedOracle({
        oracle: matrixOracle(matrix),
        encoder: { specificationVersion: 'v1', encoderId: 'fixed', doEncode: async () => embeddings },
        gate: linearRampGate({ low: 0.2, high: 0.9 }),
      });
      const m = await oracle.doCompare({ prompt, responses: Array.from({ length: k }, (_, i) => ({ tokens: [i] })) });
      assertConstantSum(m, 'gated', 1e-12);
    }
  });

  it('refuses a non-constant-sum oracle matrix and a wrong embedding count', async () => {
    const bad = gatedOracle({
      oracle: matrixOracle([
        [0.5, 0.5],
        [0.4, 0.5],
      ]),
      encoder: mockEncoder({ vocabSize: 8 }),
      gate: oneMinusGate(),
    });
    await expect(bad.doCompare({ prompt, responses: responses.slice(0, 2) })).rejects.toThrow(/matrix-oracle/);
    await expect(
      calibrateWithEncoder({
        matrix: rps,
        responses,
        encoder: { specificationVersion: 'v1', encoderId: 'short', doEncode: async () => [[1]] },
        gate: oneMinusGate(),
      }),
    ).rejects.toThrow(/returned 1 embeddings for 3 responses/);
  });
});
