import { describe, expect, it } from 'vitest';
import { similarityMatrix } from './similarity-matrix.js';

describe('similarityMatrix', () => {
  it('is clip(cos, 0, 1) with unit diagonal', () => {
    const s = similarityMatrix([
      [1, 0],
      [1, 1],
      [-1, 0],
      [0, 0],
    ]);
    expect(s[0]?.[1]).toBeCloseTo(Math.SQRT1_2, 15);
    expect(s[1]?.[0]).toBeCloseTo(Math.SQRT1_2, 15);
    expect(s[0]?.[2]).toBe(0); // cos −1 clipped
    expect(s[0]?.[3]).toBe(0); // zero vector
    for (let i = 0; i < 4; i++) expect(s[i]?.[i]).toBe(1);
  });

  it('is scale invariant and clips rounding above 1', () => {
    const s = similarityMatrix([
      [0.1, 0.2, 0.3],
      [1, 2, 3],
    ]);
    expect(s[0]?.[1]).toBeLessThanOrEqual(1);
    expect(s[0]?.[1]).toBeCloseTo(1, 14);
  });

  it('rejects ragged or non-finite embeddings', () => {
    expect(() => similarityMatrix([[1, 0], [1]])).toThrowError(/embedding 1 has 1 dimensions/);
    expect(() => similarityMatrix([[1, Number.NaN]])).toThrowError(/non-finite/);
  });
});
