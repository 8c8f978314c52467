import type { TokenIds } from '@prefplay/core';
import { assertOrder, assertSequences, countNGrams } from './n-grams.js';

/**
 * Repeated n-gram rate: the share of n-gram occurrences that repeat an n-gram seen earlier in the
 * same sequence, pooled over all sequences (`Σ (total − distinct) / Σ total`). 0 when no sequence
 * is n tokens long. A degenerate response looping on a phrase scores near 1.
 */
export function repetitionRate(sequences: readonly TokenIds[], n: number): number {
  assertSequences(sequences);
  assertOrder(n);
  let total = 0;
  let repeated = 0;
  for (const tokens of sequences) {
    const counts = countNGrams(tokens, n);
    const occurrences = Math.max(0, tokens.length - n + 1);
    total += occurrences;
    repeated += occurrences - counts.size;
  }
  return total > 0 ? repeated / total : 0;
}
