import type { TokenIds } from '@prefplay/core';
import { assertOrder, assertSequences, countNGrams } from './n-grams.js';

/**
 * distinct-n (Li et al. 2016): distinct n-grams across all the sequences divided by the total
 * number of n-grams. 0 when no sequence is n tokens long.
 */
export function distinctN(sequences: readonly TokenIds[], n: number): number {
  assertSequences(sequences);
  assertOrder(n);
  const seen = new Set<string>();
  let total = 0;
  for (const tokens of sequences) {
    for (const [key, count] of countNGrams(tokens, n)) {
      seen.add(key);
      total += count;
    }
  }
  return total > 0 ? seen.size / total : 0;
}
