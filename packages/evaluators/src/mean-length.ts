import type { TokenIds } from '@prefplay/core';
import { eosStripper } from './eos-stripper.js';
import { assertSequences } from './n-grams.js';

/**
 * Mean number of tokens per sequence; with `eosTokenId` (one id or a list of them), a final
 * end-of-sequence token is not counted. 0 for no sequences.
 */
export function meanLength(
  sequences: readonly TokenIds[],
  options: { readonly eosTokenId?: number | readonly number[] } = {},
): number {
  assertSequences(sequences);
  if (sequences.length === 0) return 0;
  const strip = eosStripper(options.eosTokenId);
  let total = 0;
  for (const tokens of sequences) total += strip(tokens).length;
  return total / sequences.length;
}
