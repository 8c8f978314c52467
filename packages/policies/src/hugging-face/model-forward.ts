import * as tf from '@tensorflow/tfjs-core';
import type { LayerKeyValues } from '../layers/causal-attention.js';
import { checkpoint } from '../layers/checkpoint.js';
import { gpt2Family } from './gpt2-forward.js';
import { llamaFamily } from './llama-forward.js';
import type { ModelArchitecture } from './model-architecture.js';

/** How a forward pass reaches a model's weights. */
export type ModelWeights = {
  /** A weight by Hugging Face name, in prefplay's layout (see `modelLayout`). */
  weight(name: string): tf.Tensor;
  /** `x @ W (+ b)` of a linear module (with its LoRA adapter, if it has one), `x` 2-D. */
  linear(x: tf.Tensor2D, module: string): tf.Tensor2D;
  /** Token embeddings of `ids`, `[ids.length, hidden]`. */
  embed(ids: Int32Array): tf.Tensor2D;
  /** The trainable variables layer `i` reads (what a checkpointed layer passes gradients to). */
  layerVariables(layer: number): tf.Variable[];
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
  /**
   * `mask` is exactly causal (query i sees keys 0…i of this call; no padding before, no past): a
   * family may then use a fused causal-attention kernel instead of adding the mask.
   */
  readonly causal?: boolean;
  /** Cached keys and values per layer. */
  readonly past?: readonly LayerKeyValues[] | undefined;
  /** Return each layer's keys and values (default false). */
  readonly keepKeyValues?: boolean;
  /**
   * Recompute each layer in the backward pass instead of keeping its intermediates (gradient
   * checkpointing; default false). Not with `past` or `keepKeyValues`.
   */
  readonly checkpointLayers?: boolean;
};

export type ModelForwardOutput = {
  /** Last hidden states after the final norm, `[batch·queryLength, hidden]`. */
  readonly hidden: tf.Tensor2D;
  /** Keys and values per layer including the new positions (empty unless `keepKeyValues`). */
  readonly present: LayerKeyValues[];
};

/** What one layer sees besides the residual stream. */
export type LayerContext = {
  readonly batch: number;
  readonly queryLength: number;
  readonly mask?: tf.Tensor4D | undefined;
  /** See `ModelForwardInput.causal`. */
  readonly causal?: boolean;
  /** Return this layer's keys and values (default true). */
  readonly keepKeyValues?: boolean;
  readonly past?: LayerKeyValues | undefined;
  /** Rotary tables `[rows, headDim]` (Llama family). */
  readonly cos?: tf.Tensor2D;
  readonly sin?: tf.Tensor2D;
};

export type LayerOutput = { readonly x: tf.Tensor2D; readonly present: LayerKeyValues | undefined };

/** A model family as three steps: embeddings, one decoder layer, the final norm. */
export type ModelFamily = {
  /** Its layers attend causally with no mask tensor when the context says `causal`. */
  readonly maskFreeCausal: boolean;
  embed(arch: ModelArchitecture, weights: ModelWeights, input: ModelForwardInput): tf.Tensor2D;
  /** Per-call constant tensors the layers read (rotary tables). */
  tables(arch: ModelArchitecture, input: ModelForwardInput): { cos?: tf.Tensor2D; sin?: tf.Tensor2D };
  layer(
    arch: ModelArchitecture,
    weights: ModelWeights,
    index: number,
    x: tf.Tensor2D,
    context: LayerContext,
  ): LayerOutput;
  final(arch: ModelArchitecture, weights: ModelWeights, x: tf.Tensor2D): tf.Tensor2D;
};

/**
 * The decoder of a GPT-2 or Llama-family model up to the final norm (the head is applied by the
 * caller). Each layer runs in its own `tf.tidy`, so a forward pass without gradients holds one
 * layer's intermediates at a time; with `checkpointLayers`, a backward pass does too.
 */
export function modelForward(
  arch: ModelArchitecture,
  weights: ModelWeights,
  input: ModelForwardInput,
): ModelForwardOutput {
  const family = arch.family === 'gpt2' ? gpt2Family : llamaFamily;
  const { batch, queryLength, past } = input;
  const causal = input.causal === true && past === undefined;
  // a family that attends causally by itself gets no mask to carry (nor to keep for checkpointing)
  const mask = causal && family.maskFreeCausal ? undefined : input.mask;
  const { cos, sin } = family.tables(arch, input);
  let x = family.embed(arch, weights, input);
  const present: LayerKeyValues[] = [];
  const checkpointed = input.checkpointLayers === true && past === undefined && input.keepKeyValues !== true;
  for (let i = 0; i < arch.numLayers; i++) {
    if (checkpointed) {
      // Mask and rotary tables are inputs too, so they are kept for the recomputation.
      const extras = ([mask, cos, sin] as (tf.Tensor | undefined)[]).filter((t): t is tf.Tensor => t !== undefined);
      const layer = i;
      x = checkpoint(
        ([input0, ...rest]) => {
          const [m, c, s] = [
            mask ? rest.shift() : undefined,
            cos ? rest.shift() : undefined,
            sin ? rest.shift() : undefined,
          ];
          return tf.tidy(
            () =>
              family.layer(arch, weights, layer, input0 as tf.Tensor2D, {
                batch,
                queryLength,
                mask: m as tf.Tensor4D | undefined,
                causal,
                keepKeyValues: false,
                ...(c ? { cos: c as tf.Tensor2D } : {}),
                ...(s ? { sin: s as tf.Tensor2D } : {}),
              }).x,
          );
        },
        [x, ...extras],
        weights.layerVariables(i),
      ) as tf.Tensor2D;
      continue;
    }
    const previous = x;
    const out = tf.tidy(() => {
      const result = family.layer(arch, weights, i, previous, {
        batch,
        queryLength,
        mask,
        causal,
        keepKeyValues: input.keepKeyValues === true,
        past: past?.[i],
        ...(cos ? { cos } : {}),
        ...(sin ? { sin } : {}),
      });
      return input.keepKeyValues && result.present
        ? { x: result.x, keys: result.present.keys, values: result.present.values }
        : { x: result.x };
    }) as { x: tf.Tensor2D; keys?: tf.Tensor4D; values?: tf.Tensor4D };
    if (out.keys && out.values) present.push({ keys: out.keys, values: out.values });
    x = out.x;
  }
  return { hidden: family.final(arch, weights, x), present };
}
