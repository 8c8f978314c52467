import { describe, expect, it } from 'vitest';
import { distinctN } from './distinct-n.js';
import { meanLength } from './mean-length.js';
import { meanPairwiseSimilarity } from './mean-pairwise-similarity.js';
import { nonTerminationRate } from './non-termination-rate.js';
import { repetitionRate } from './repetition-rate.js';

describe('meanLength', () => {
  it('counts tokens, optionally without a final EOS', () => {
    expect(meanLength([[1, 2, 3, 9], [4, 9], []])).toBe(2);
    expect(meanLength([[1, 2, 3, 9], [4, 9], []], { eosTokenId: 9 })).toBe(4 / 3);
    expect(meanLength([])).toBe(0);
  });

  it('drops a final token of any id of a list of EOS ids, and only the final one', () => {
    // 4 + 2 + 3 tokens, each ending in 9 or 8: 3 + 1 + 2 counted ([5, 9, 8] keeps its inner 9).
    const sequences = [
      [1, 2, 3, 9],
      [4, 8],
      [5, 9, 8],
    ];
    expect(meanLength(sequences, { eosTokenId: [9, 8] })).toBe(6 / 3);
    expect(meanLength(sequences, { eosTokenId: 9 })).toBe(8 / 3);
    expect(() => meanLength([[1]], { eosTokenId: [] })).toThrow(/eosTokenId is an empty list/);
    expect(() => meanLength([[1]], { eosTokenId: [9, -1] })).toThrow(/eosTokenId\[1\] is -1/);
  });
});

describe('repetitionRate', () => {
  it('is the share of n-grams repeating an earlier one in the same sequence', () => {
    // [1,2,1,2,1]: bigrams 12,21,12,21 → 2 repeats of 4; [3,4,5]: 34,45 → 0 of 2; [7] has none.
    expect(repetitionRate([[1, 2, 1, 2, 1], [3, 4, 5], [7]], 2)).toBeCloseTo(2 / 6, 15);
    // A repeat across two sequences is not a repetition.
    expect(
      repetitionRate(
        [
          [1, 2],
          [1, 2],
        ],
        2,
      ),
    ).toBe(0);
    expect(repetitionRate([[1]], 3)).toBe(0);
    expect(() => repetitionRate([[1]], 0)).toThrow(/n-gram order/);
  });
});

describe('distinctN', () => {
  it('divides distinct n-grams by all n-grams across the sequences', () => {
    // unigrams: 1,2,1,2,3 → distinct {1,2,3} = 3 of 5; bigrams 12,21,12,23 → {12,21,23} 3 of 4
    const sequences = [
      [1, 2, 1],
      [2, 3],
    ];
    expect(distinctN(sequences, 1)).toBeCloseTo(3 / 5, 15);
    expect(
      distinctN(
        [
          [1, 2, 1, 2],
          [2, 3],
        ],
        2,
      ),
    ).toBeCloseTo(3 / 4, 15);
  });
});

describe('nonTerminationRate', () => {
  it('is the share of samples cut by the length limit', () => {
    expect(
      nonTerminationRate([
        { finishReason: 'stop' },
        { finishReason: 'length' },
        { finishReason: 'error' },
        { finishReason: 'length' },
      ]),
    ).toBe(0.5);
    expect(nonTerminationRate([])).toBe(0);
  });
});

describe('meanPairwiseSimilarity', () => {
  it('averages cosine similarities over pairs', () => {
    // cos(e1, e2) = 0, cos(e1, (1,1)) = cos(e2, (1,1)) = 1/√2
    expect(
      meanPairwiseSimilarity([
        [1, 0],
        [0, 3],
        [2, 2],
      ]),
    ).toBeCloseTo(2 / Math.SQRT2 / 3, 15);
    expect(meanPairwiseSimilarity([[1, 0]])).toBeNaN();
    expect(() =>
      meanPairwiseSimilarity([
        [1, 0],
        [0, 0],
      ]),
    ).toThrow(/embeddings\[1\]/);
  });
});
