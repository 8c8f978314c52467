import type { DecodingSessionV1, TokenIds } from '@prefplay/core';
import { beginCachedDecoding } from './cached-decoding.js';
import { type ResolvedTransformerConfig, type TransformerParams, transformerForward } from './transformer-model.js';

export { checkTokens } from './cached-decoding.js';

/**
 * Starts incremental decoding of the built-in transformer over left-padded prompts (see
 * `beginCachedDecoding`): with `useCache` each layer's keys and values are kept and only new tokens
 * are processed; without, every `doNextLogits` recomputes the full prefix.
 */
export function beginTransformerDecoding(
  params: TransformerParams,
  config: ResolvedTransformerConfig,
  options: { readonly prompts: readonly TokenIds[]; readonly useCache?: boolean },
): DecodingSessionV1 {
  return beginCachedDecoding(
    {
      vocabSize: config.vocabSize,
      maxSequenceLength: config.maxSequenceLength,
      forward: (input) => transformerForward(params, config, input),
    },
    options,
  );
}
