import { describe, expect, it } from 'vitest';
import { eloRatings, eloScale } from './elo-ratings.js';

describe('eloRatings', () => {
  it('is 1000 + (400/ln 10)·θ', () => {
    expect(eloScale).toBeCloseTo(173.7177927613007, 12);
    const r = eloRatings([0, 1, -Math.LN10]);
    expect(r[0]).toBe(1000);
    expect(r[1]).toBeCloseTo(1000 + 400 / Math.log(10), 10);
    expect(r[2]).toBeCloseTo(600, 10);
  });

  it('a 400-point gap means 10:1 odds', () => {
    const theta = [0.3, 0.3 + Math.LN10];
    const [a, b] = eloRatings(theta) as [number, number];
    expect(b - a).toBeCloseTo(400, 10);
  });

  it('shifts to an anchor', () => {
    const r = eloRatings([0.5, -0.2, 1.1], { anchorIndex: 1, anchorRating: 1114 });
    expect(r[1]).toBe(1114);
    expect((r[0] as number) - (r[1] as number)).toBeCloseTo(eloScale * 0.7, 10);
    expect(eloRatings([0.5, -0.2], { anchorIndex: 0 })[0]).toBe(1000);
  });

  it('rejects a bad anchor', () => {
    expect(() => eloRatings([0, 1], { anchorIndex: 2 })).toThrowError(/anchorIndex/);
    expect(() => eloRatings([0, 1], { anchorIndex: 0, anchorRating: Number.NaN })).toThrowError(/anchorRating/);
  });
});
