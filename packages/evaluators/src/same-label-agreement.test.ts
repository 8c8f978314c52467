import { describe, expect, it } from 'vitest';
import { sameLabelAgreement } from './same-label-agreement.js';

describe('sameLabelAgreement', () => {
  it('counts pairs within groups, computed by hand', () => {
    // group 0: a a b; s(0,1) = 0.9 (tp), s(0,2) = 0.8 (fp), s(1,2) = 0.1 (tn)
    // group 1: c c; s = 0.5 (fn at threshold 0.75)
    const result = sameLabelAgreement(
      [
        {
          labels: ['a', 'a', 'b'],
          similarity: [
            [1, 0.9, 0.8],
            [0.9, 1, 0.1],
            [0.8, 0.1, 1],
          ],
        },
        {
          labels: ['c', 'c'],
          similarity: [
            [1, 0.5],
            [0.5, 1],
          ],
        },
      ],
      { threshold: 0.75 },
    );
    expect(result).toEqual({
      truePositives: 1,
      falsePositives: 1,
      falseNegatives: 1,
      trueNegatives: 1,
      precision: 0.5,
      recall: 0.5,
    });
  });

  it('rejects a similarity matrix of the wrong shape', () => {
    expect(() => sameLabelAgreement([{ labels: ['a', 'b'], similarity: [[1]] }], { threshold: 0.5 })).toThrow(
      /groups\[0\]\.similarity/,
    );
  });
});
