import type { ResponseV1, SemanticEncoderV1 } from '@prefplay/core';

/**
 * Bag-of-tokens encoder: a response's embedding is its normalised token-count vector, so two
 * responses with the same multiset of tokens have similarity 1 and disjoint ones 0.
 */
export function mockEncoder(options: { readonly vocabSize: number; readonly encoderId?: string }): SemanticEncoderV1 {
  return {
    specificationVersion: 'v1',
    encoderId: options.encoderId ?? 'mock-encoder',
    async doEncode({ responses }: { responses: readonly ResponseV1[] }) {
      return responses.map((r) => {
        const v = new Array<number>(options.vocabSize).fill(0);
        for (const t of r.tokens) v[t] = (v[t] ?? 0) + 1;
        const norm = Math.hypot(...v);
        return norm > 0 ? v.map((x) => x / norm) : v;
      });
    },
  };
}
