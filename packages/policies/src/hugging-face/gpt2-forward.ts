import * as tf from '@tensorflow/tfjs-core';
import { multiHeadAttention } from '../layers/causal-attention.js';
import { embeddingLookup } from '../layers/embedding-lookup.js';
import { gelu, layerNorm } from '../layers/layer-norm.js';
import type { ModelArchitecture } from './model-architecture.js';
import type { LayerContext, LayerOutput, ModelFamily, ModelWeights } from './model-forward.js';

const weightOf = <T extends tf.Tensor>(weights: ModelWeights, name: string) =>
  weights.weight(`transformer.${name}`) as T;

/**
 * GPT-2 (`GPT2LMHeadModel` up to the final LayerNorm): token + learned position embeddings, then
 * per block `x += c_proj(attention(c_attn(ln_1(x))))`, `x += c_proj(gelu_tanh(c_fc(ln_2(x))))`,
 * then `ln_f`. Activations stay 2-D `[batch·queryLength, hidden]`.
 */
export const gpt2Family: ModelFamily = {
  maskFreeCausal: true,
  embed(_arch: ModelArchitecture, weights, input) {
    return tf.add(
      weights.embed(input.tokenIds),
      embeddingLookup(weightOf<tf.Tensor2D>(weights, 'wpe.weight'), input.positionIds),
    ) as tf.Tensor2D;
  },
  tables: () => ({}),
  layer(arch, weights, i, x, context: LayerContext): LayerOutput {
    const w = <T extends tf.Tensor>(name: string) => weightOf<T>(weights, `h.${i}.${name}`);
    const eps = arch.normEpsilon;
    const normed1 = layerNorm(x, w('ln_1.weight'), w('ln_1.bias'), eps);
    const qkv = weights.linear(normed1, `transformer.h.${i}.attn.c_attn`);
    const attention = multiHeadAttention({
      qkv,
      batch: context.batch,
      queryLength: context.queryLength,
      numHeads: arch.numHeads,
      mask: context.mask,
      causal: context.causal,
      keepKeyValues: context.keepKeyValues ?? true,
      past: context.past,
    });
    let out = tf.add(x, weights.linear(attention.output, `transformer.h.${i}.attn.c_proj`)) as tf.Tensor2D;
    const normed2 = layerNorm(out, w('ln_2.weight'), w('ln_2.bias'), eps);
    const inner = gelu(weights.linear(normed2, `transformer.h.${i}.mlp.c_fc`)) as tf.Tensor2D;
    out = tf.add(out, weights.linear(inner, `transformer.h.${i}.mlp.c_proj`)) as tf.Tensor2D;
    return { x: out, present: attention.present };
  },
  final(arch, weights, x) {
    return layerNorm(x, weightOf(weights, 'ln_f.weight'), weightOf(weights, 'ln_f.bias'), arch.normEpsilon);
  },
};
