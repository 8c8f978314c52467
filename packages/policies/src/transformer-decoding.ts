import { getWasmKernels } from '@prefplay/backend-wasm-kernels';
import type { DecodingSessionV1, TokenIds } from '@prefplay/core';
import { beginCachedDecoding } from './cached-decoding.js';
import { type ResolvedTransformerConfig, type TransformerParams, transformerForward } from './transformer-model.js';

export { checkTokens } from './cached-decoding.js';

/**
 * Starts incremental decoding of the built-in transformer over left-padded prompts (see
 * `beginCachedDecoding`): with `useCache` each layer's keys and values are kept and only new tokens
 * are processed; without, every `doNextLogits` recomputes the full prefix. On the wasm backend the
 * cache is preallocated (the prompts plus 64 tokens, doubling up to `maxSequenceLength` when needed)
 * and written in place by the decode-attention kernel (no concatenation per token).
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
      // Room for the prompts and 64 new tokens at first; the cache doubles when decoding runs longer.
      createCache: ({ batch, longest, padding }) =>
        getWasmKernels()?.createKeyValueCache({
          batch,
          capacity: Math.min(config.maxSequenceLength, longest + 64),
          maxCapacity: config.maxSequenceLength,
          width: config.dModel,
          numLayers: config.numLayers,
          keyStart: padding,
        }),
      forward: (input) => transformerForward(params, config, input),
    },
    options,
  );
}
