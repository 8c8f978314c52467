import { describe, expect, it } from 'vitest';
import { bleu, selfBleu } from './self-bleu.js';

describe('bleu', () => {
  it('matches BLEU-4 computed by hand', () => {
    // hypothesis 1 2 3 4 5, reference 1 2 3 4 6 7: precisions 4/5, 3/4, 2/3, 1/2;
    // brevity penalty exp(1 − 6/5). BLEU = exp(−0.2) · (0.2)^(1/4).
    expect(bleu([1, 2, 3, 4, 5], [[1, 2, 3, 4, 6, 7]])).toBeCloseTo(Math.exp(-0.2) * 0.2 ** 0.25, 14);
  });

  it('smooths zero counts with ε / count (NLTK method1)', () => {
    // 1 2 3 vs 1 2 4: p1 = 2/3, p2 = 1/2, p3 = 0/1 → 0.1, p4 has no 4-gram → denominator 1 → 0.1; BP = 1.
    expect(bleu([1, 2, 3], [[1, 2, 4]])).toBeCloseTo((2 / 3 / 2 / 100) ** 0.25, 14);
    expect(bleu([1, 2, 3], [[1, 2, 4]], { smoothing: 'none' })).toBe(0);
    // add-one on orders ≥ 2: p2 = 2/3, p3 = 1/2, p4 = 1/2
    expect(bleu([1, 2, 3], [[1, 2, 4]], { smoothing: 'add-one' })).toBeCloseTo(((2 / 3) * (2 / 3) * 0.25) ** 0.25, 14);
  });

  it('clips counts by the largest count in any reference and picks the closest reference length', () => {
    // unigram 7 appears 3 times in the hypothesis but at most twice in a reference: p1 = 2/3.
    expect(
      bleu(
        [7, 7, 7],
        [
          [7, 7, 1],
          [7, 2, 3, 4, 5],
        ],
        { maxOrder: 1 },
      ),
    ).toBeCloseTo(2 / 3, 14);
    expect(bleu([1, 2], [[3, 4]])).toBe(0);
  });
});

describe('selfBleu', () => {
  it('averages each sequence against the others', () => {
    // second direction: 1 2 3 4 6 7 vs 1 2 3 4 5: precisions 4/6, 3/5, 2/4, 1/3 → (1/15)^(1/4), BP 1.
    const expected = (Math.exp(-0.2) * 0.2 ** 0.25 + (1 / 15) ** 0.25) / 2;
    expect(
      selfBleu([
        [1, 2, 3, 4, 5],
        [1, 2, 3, 4, 6, 7],
      ]),
    ).toBeCloseTo(expected, 14);
    expect(
      selfBleu([
        [1, 2, 3, 4],
        [1, 2, 3, 4],
        [1, 2, 3, 4],
      ]),
    ).toBeCloseTo(1, 14);
    expect(selfBleu([[1, 2]])).toBeNaN();
  });
});
