import type { EvaluatorV1 } from '@prefplay/core';
import { distinctN } from './distinct-n.js';
import { eosStripper } from './eos-stripper.js';
import { meanLength } from './mean-length.js';
import { repetitionRate } from './repetition-rate.js';

/**
 * Mean length (a final EOS excluded), repeated-bigram rate and distinct-2 of all the policy's
 * samples, with `eosTokenId` one end-of-sequence id or a list of them (e.g. a tokenizer's
 * `eosTokenIds`). Results: `meanLength`, `repetitionRate`, `distinct2`.
 */
export function textStatisticsEvaluator(eosTokenId: number | readonly number[]): EvaluatorV1 {
  const stripEos = eosStripper(eosTokenId, 'textStatisticsEvaluator options');
  return {
    specificationVersion: 'v1',
    evaluatorId: 'text',
    async doEvaluate({ samples }) {
      const tokens = samples.flatMap((row) => row.map((s) => s.tokens));
      const strip = tokens.map(stripEos);
      return {
        meanLength: meanLength(tokens, { eosTokenId }),
        repetitionRate: repetitionRate(strip, 2),
        distinct2: distinctN(strip, 2),
      };
    },
  };
}
