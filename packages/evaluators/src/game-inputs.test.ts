import { PrefplayError } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { rockPaperScissors } from './__fixtures__/games.js';
import { assertGameMatrix, assertPolicy } from './game-inputs.js';

function caught(run: () => void): PrefplayError {
  try {
    run();
  } catch (error) {
    if (PrefplayError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a PrefplayError');
}

describe('assertGameMatrix', () => {
  it('accepts a constant-sum matrix', () => {
    expect(() => assertGameMatrix(rockPaperScissors)).not.toThrow();
  });

  it('names the offending cell of a matrix that is not constant-sum', () => {
    const matrix = rockPaperScissors.map((row) => row.slice());
    (matrix[1] as number[])[2] = 0.3;
    const error = caught(() => assertGameMatrix(matrix, { file: 'game.json' }));
    expect(error.code).toBe('invalid-input');
    expect(error.where).toEqual({ file: 'game.json', field: 'matrix[1][2]' });
    expect(error.message).toMatch(/not constant-sum/);
  });

  it('rejects a wrong diagonal, a ragged row, a value outside [0, 1] and NaN', () => {
    expect(caught(() => assertGameMatrix([[0.4]])).where.field).toBe('matrix[0][0]');
    expect(caught(() => assertGameMatrix([[0.5, 0.5], [0.5]])).where.field).toBe('matrix[1]');
    expect(
      caught(() =>
        assertGameMatrix([
          [0.5, 1.5],
          [-0.5, 0.5],
        ]),
      ).where.field,
    ).toBe('matrix[0][1]');
    expect(
      caught(() =>
        assertGameMatrix([
          [0.5, Number.NaN],
          [0.5, 0.5],
        ]),
      ).where.field,
    ).toBe('matrix[0][1]');
    expect(caught(() => assertGameMatrix([])).where.field).toBe('matrix');
  });

  it('honours the tolerance', () => {
    const matrix = [
      [0.5, 0.7 + 1e-4],
      [0.3, 0.5],
    ];
    expect(() => assertGameMatrix(matrix)).toThrow(/constant-sum/);
    expect(() => assertGameMatrix(matrix, { tolerance: 1e-3 })).not.toThrow();
  });
});

describe('assertPolicy', () => {
  it('checks length, sign and sum', () => {
    expect(() => assertPolicy([0.2, 0.8], 2)).not.toThrow();
    expect(caught(() => assertPolicy([1], 2)).where.field).toBe('policy');
    expect(caught(() => assertPolicy([1.1, -0.1], 2)).where.field).toBe('policy[1]');
    expect(caught(() => assertPolicy([0.5, 0.6], 2)).message).toMatch(/sums to 1.1/);
  });
});
