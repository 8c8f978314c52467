import { describe, expect, it } from 'vitest';
import { characterNgrams, tfidfEncoder } from './tfidf-encoder.js';

function cosine(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, v, i) => s + v * (b[i] as number), 0);
}

describe('tfidfEncoder', () => {
  it('matches a hand computation of character-bigram tf-idf cosine', async () => {
    // "abab" → {ab: 2, ba: 1}; "abba" → {ab: 1, bb: 1, ba: 1}. Fitted on the batch (N = 2):
    // idf(ab) = idf(ba) = ln(3/3) + 1 = 1, idf(bb) = ln(3/2) + 1 = 1.4054651081081644.
    // cos = (2·1 + 1·1) / (√5 · √(1 + 1 + 1.4054651²)) = 0.6728984701822543 (python3 by hand).
    const encoder = tfidfEncoder({ n: 2 });
    const [a, b] = await encoder.doEncode({
      responses: [
        { tokens: [], text: 'abab' },
        { tokens: [], text: 'ABBA' },
      ],
    });
    expect(Math.hypot(...(a as number[]))).toBeCloseTo(1, 12);
    expect(cosine(a as number[], b as number[])).toBeCloseTo(0.6728984701822543, 12);
  });

  it('drops n-grams unseen in its corpus and keeps empty texts apart', async () => {
    // corpus {ab}, {cd}: idf(ab) = idf(cd); "abcd" keeps ab and cd (bc unseen) → cos with "ab" = 1/√2.
    const encoder = tfidfEncoder({ n: 2, corpus: ['ab', 'cd'] });
    const [x, y, empty] = await encoder.doEncode({
      responses: [
        { tokens: [], text: 'abcd' },
        { tokens: [], text: 'ab' },
        { tokens: [], text: '' },
      ],
    });
    expect(cosine(x as number[], y as number[])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosine(x as number[], empty as number[])).toBe(0);
    expect(cosine(empty as number[], empty as number[])).toBe(1);
  });

  it('falls back to token ids and rejects bad options', async () => {
    const encoder = tfidfEncoder({ n: 1 });
    const [a, b] = await encoder.doEncode({ responses: [{ tokens: [1, 2] }, { tokens: [1, 2] }] });
    expect(cosine(a as number[], b as number[])).toBeCloseTo(1, 12);
    expect(characterNgrams('abc', 5)).toEqual(['abc']);
    expect(() => tfidfEncoder({ n: 0 })).toThrow(/"n"/);
  });
});
