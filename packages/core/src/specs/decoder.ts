import type * as tf from '@tensorflow/tfjs-core';
import type { TokenIds } from './text.js';

/**
 * An incremental decoding session over a batch of prompts. Each row holds its prompt followed by
 * the tokens appended so far. Implementations may keep a key/value cache.
 */
export type DecodingSessionV1 = {
  /** Rows in the batch. */
  readonly batchSize: number;
  /** Next-token logits for every row, `[batch, vocabSize]`; the caller owns the tensor. */
  doNextLogits(): tf.Tensor2D;
  /** Appends one token to every row. */
  doAppend(tokens: readonly number[]): void;
  /** Frees the session's tensors (its cache). */
  dispose(): void;
};

/** A language model that can produce next-token distributions, for autoregressive samplers. */
export type DecoderV1 = {
  readonly specificationVersion: 'v1';
  readonly vocabSize: number;
  /** Longest prompt + response the model accepts. */
  readonly maxSequenceLength: number;
  /** Token that ends a response, if the model has one (the first of `eosTokenIds` when both are given). */
  readonly eosTokenId?: number;
  /**
   * Every token that ends a response, for models with several (Llama 3's `<|end_of_text|>` and
   * `<|eot_id|>`, a chat model's end of turn and its end of text). Samplers stop a response at the
   * first token of this set; without it, at `eosTokenId`.
   */
  readonly eosTokenIds?: readonly number[];
  doBeginDecoding(options: { readonly prompts: readonly TokenIds[]; readonly useCache?: boolean }): DecodingSessionV1;
};
