import type { TokenIds } from '@prefplay/core';
import { assertSequences } from './n-grams.js';

/**
 * Mean number of tokens per sequence; with `eosTokenId`, a final end-of-sequence token is not
 * counted. 0 for no sequences.
 */
export function meanLength(sequences: readonly TokenIds[], options: { readonly eosTokenId?: number } = {}): number {
  assertSequences(sequences);
  if (sequences.length === 0) return 0;
  let total = 0;
  for (const tokens of sequences) {
    const ends =
      options.eosTokenId !== undefined && tokens.length > 0 && tokens[tokens.length - 1] === options.eosTokenId;
    total += tokens.length - (ends ? 1 : 0);
  }
  return total / sequences.length;
}
