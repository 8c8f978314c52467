import type { EvaluatorV1 } from '@prefplay/core';
import { distinctN } from './distinct-n.js';
import { meanLength } from './mean-length.js';
import { repetitionRate } from './repetition-rate.js';

/**
 * Mean length (EOS excluded), repeated-bigram rate and distinct-2 of all the policy's samples.
 * Results: `meanLength`, `repetitionRate`, `distinct2`.
 */
export function textStatisticsEvaluator(eosTokenId: number): EvaluatorV1 {
  return {
    specificationVersion: 'v1',
    evaluatorId: 'text',
    async doEvaluate({ samples }) {
      const tokens = samples.flatMap((row) => row.map((s) => s.tokens));
      const strip = tokens.map((t) => (t[t.length - 1] === eosTokenId ? t.slice(0, -1) : t));
      return {
        meanLength: meanLength(tokens, { eosTokenId }),
        repetitionRate: repetitionRate(strip, 2),
        distinct2: distinctN(strip, 2),
      };
    },
  };
}
