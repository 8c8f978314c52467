import * as tf from '@tensorflow/tfjs-core';
import { type LayerKeyValues, multiHeadAttention } from '../layers/causal-attention.js';
import { embeddingLookup } from '../layers/embedding-lookup.js';
import { gelu, layerNorm } from '../layers/layer-norm.js';
import type { ModelArchitecture } from './model-architecture.js';
import type { ModelForwardInput, ModelForwardOutput, ModelWeights } from './model-forward.js';

/**
 * GPT-2 (`GPT2LMHeadModel` up to the final LayerNorm): token + learned position embeddings, then
 * per block `x += c_proj(attention(c_attn(ln_1(x))))`, `x += c_proj(gelu_tanh(c_fc(ln_2(x))))`,
 * then `ln_f`. Activations stay 2-D `[batch·queryLength, hidden]`.
 */
export function gpt2Forward(
  arch: ModelArchitecture,
  weights: ModelWeights,
  input: ModelForwardInput,
): ModelForwardOutput {
  const { batch, queryLength, mask, past } = input;
  const w = <T extends tf.Tensor>(name: string) => weights.weight(`transformer.${name}`) as T;
  const eps = arch.normEpsilon;
  let x = tf.add(
    weights.embed(input.tokenIds),
    embeddingLookup(w<tf.Tensor2D>('wpe.weight'), input.positionIds),
  ) as tf.Tensor2D;
  const present: LayerKeyValues[] = [];
  for (let i = 0; i < arch.numLayers; i++) {
    const p = `h.${i}`;
    const normed1 = layerNorm(x, w(`${p}.ln_1.weight`), w(`${p}.ln_1.bias`), eps);
    const qkv = weights.linear(normed1, `transformer.${p}.attn.c_attn`);
    const attention = multiHeadAttention({ qkv, batch, queryLength, numHeads: arch.numHeads, mask, past: past?.[i] });
    if (input.keepKeyValues) present.push(attention.present);
    x = tf.add(x, weights.linear(attention.output, `transformer.${p}.attn.c_proj`)) as tf.Tensor2D;
    const normed2 = layerNorm(x, w(`${p}.ln_2.weight`), w(`${p}.ln_2.bias`), eps);
    const inner = gelu(weights.linear(normed2, `transformer.${p}.mlp.c_fc`)) as tf.Tensor2D;
    x = tf.add(x, weights.linear(inner, `transformer.${p}.mlp.c_proj`)) as tf.Tensor2D;
  }
  return { hidden: layerNorm(x, w('ln_f.weight'), w('ln_f.bias'), eps), present };
}
