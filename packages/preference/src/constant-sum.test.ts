import { PrefplayError } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { assertConstantSum, isConstantSum } from './constant-sum.js';

const rps = [
  [0.5, 0.9, 0.1],
  [0.1, 0.5, 0.9],
  [0.9, 0.1, 0.5],
];

describe('isConstantSum / assertConstantSum', () => {
  it('accepts a constant-sum matrix', () => {
    expect(isConstantSum(rps)).toBe(true);
    expect(() => assertConstantSum(rps)).not.toThrow();
    expect(isConstantSum([])).toBe(true);
  });

  it('names the offending cell and its values', () => {
    const bad = rps.map((r) => r.slice());
    (bad[1] as number[])[2] = 0.8;
    expect(isConstantSum(bad)).toBe(false);
    let caught: unknown;
    try {
      assertConstantSum(bad, 'judge matrix');
    } catch (error) {
      caught = error;
    }
    expect(PrefplayError.hasCode(caught, 'invalid-input')).toBe(true);
    expect((caught as PrefplayError).where.field).toBe('matrix[1][2]');
    expect((caught as Error).message).toMatch(/judge matrix.*M\[1\]\[2\] \+ M\[2\]\[1\] = 0\.8 \+ 0\.1/);
  });

  it('checks the diagonal, the range, finiteness and the shape', () => {
    expect(() => assertConstantSum([[0.4]])).toThrowError(/M\[0\]\[0\] = 0\.4.*diagonal/);
    expect(() =>
      assertConstantSum([
        [0.5, 1.2],
        [-0.2, 0.5],
      ]),
    ).toThrowError(/M\[0\]\[1\] = 1\.2 is not a probability/);
    expect(isConstantSum([[Number.NaN]])).toBe(false);
    expect(() => assertConstantSum([[0.5, 0.5], [0.5]])).toThrowError(/row 1 has 1 entries/);
  });

  it('respects the tolerance', () => {
    const near = [
      [0.5, 0.3 + 1e-8],
      [0.7, 0.5],
    ];
    expect(isConstantSum(near)).toBe(false);
    expect(isConstantSum(near, 1e-6)).toBe(true);
  });
});
