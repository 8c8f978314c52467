import type * as tf from '@tensorflow/tfjs-core';
import type { LayerKeyValues } from '../layers/causal-attention.js';
import { gpt2Forward } from './gpt2-forward.js';
import { llamaForward } from './llama-forward.js';
import type { ModelArchitecture } from './model-architecture.js';

/** How a forward pass reaches a model's weights. */
export type ModelWeights = {
  /** A weight by Hugging Face name, in prefplay's layout (see `modelLayout`). */
  weight(name: string): tf.Tensor;
  /** `x @ W (+ b)` of a linear module (with its LoRA adapter, if it has one), `x` 2-D. */
  linear(x: tf.Tensor2D, module: string): tf.Tensor2D;
  /** Token embeddings of `ids`, `[ids.length, hidden]`. */
  embed(ids: Int32Array): tf.Tensor2D;
};

export type ModelForwardInput = {
  /** `[batch·queryLength]` token ids, row-major. */
  readonly tokenIds: Int32Array;
  /** `[batch·queryLength]` positions (index into the position table or rotary angle). */
  readonly positionIds: Int32Array;
  readonly batch: number;
  readonly queryLength: number;
  /** Additive mask broadcastable to `[batch, 1, queryLength, keyLength]`; omit when all keys are visible. */
  readonly mask?: tf.Tensor4D | undefined;
  /** Cached keys and values per layer. */
  readonly past?: readonly LayerKeyValues[] | undefined;
  /** Return each layer's keys and values (default false). */
  readonly keepKeyValues?: boolean;
};

export type ModelForwardOutput = {
  /** Last hidden states after the final norm, `[batch·queryLength, hidden]`. */
  readonly hidden: tf.Tensor2D;
  /** Keys and values per layer including the new positions (empty unless `keepKeyValues`). */
  readonly present: LayerKeyValues[];
};

/** The decoder of a GPT-2 or Llama-family model up to the final norm (the head is applied by the caller). */
export function modelForward(
  arch: ModelArchitecture,
  weights: ModelWeights,
  input: ModelForwardInput,
): ModelForwardOutput {
  return arch.family === 'gpt2' ? gpt2Forward(arch, weights, input) : llamaForward(arch, weights, input);
}
