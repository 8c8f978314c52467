import * as tf from '@tensorflow/tfjs-core';
import { groupedQueryAttention } from '../layers/grouped-query-attention.js';
import { rmsNorm } from '../layers/rms-norm.js';
import { applyRotaryEmbedding, ropeInverseFrequencies, rotaryTables } from '../layers/rotary-embedding.js';
import { swiglu } from '../layers/swiglu.js';
import type { LayerContext, LayerOutput, ModelFamily } from './model-forward.js';

/**
 * The Llama family (`LlamaForCausalLM`, `Qwen2ForCausalLM`, `MistralForCausalLM` up to the final
 * norm): per layer `x += o_proj(attention(rope(q_proj(h)), rope(k_proj(h)), v_proj(h)))` with
 * `h = rms(x)`, then `x += down_proj(silu(gate_proj(h')) · up_proj(h'))` with `h' = rms(x)`;
 * grouped-query attention, rotary embeddings in the half-rotation layout, final RMSNorm.
 */
export const llamaFamily: ModelFamily = {
  maskFreeCausal: true,
  embed(_arch, weights, input) {
    return weights.embed(input.tokenIds);
  },
  tables(arch, input) {
    const rows = input.positionIds.length;
    const { cos, sin } = rotaryTables(
      input.positionIds,
      ropeInverseFrequencies(arch.headDim, arch.ropeTheta, arch.ropeScaling),
    );
    return { cos: tf.tensor2d(cos, [rows, arch.headDim]), sin: tf.tensor2d(sin, [rows, arch.headDim]) };
  },
  layer(arch, weights, i, x, context: LayerContext): LayerOutput {
    const eps = arch.normEpsilon;
    const p = `model.layers.${i}`;
    const w = (name: string) => weights.weight(`${p}.${name}`) as tf.Tensor1D;
    const tables = { cos: context.cos as tf.Tensor2D, sin: context.sin as tf.Tensor2D };
    const h = rmsNorm(x, w('input_layernorm.weight'), eps);
    const queries = applyRotaryEmbedding(weights.linear(h, `${p}.self_attn.q_proj`), tables, arch.numHeads);
    const keys = applyRotaryEmbedding(weights.linear(h, `${p}.self_attn.k_proj`), tables, arch.numKeyValueHeads);
    const values = weights.linear(h, `${p}.self_attn.v_proj`);
    const attention = groupedQueryAttention({
      queries,
      keys,
      values,
      batch: context.batch,
      queryLength: context.queryLength,
      numHeads: arch.numHeads,
      numKeyValueHeads: arch.numKeyValueHeads,
      mask: context.mask,
      causal: context.causal,
      keepKeyValues: context.keepKeyValues ?? true,
      past: context.past,
    });
    let out = tf.add(x, weights.linear(attention.output, `${p}.self_attn.o_proj`)) as tf.Tensor2D;
    const h2 = rmsNorm(out, w('post_attention_layernorm.weight'), eps);
    const inner = swiglu(weights.linear(h2, `${p}.mlp.gate_proj`), weights.linear(h2, `${p}.mlp.up_proj`));
    out = tf.add(out, weights.linear(inner, `${p}.mlp.down_proj`)) as tf.Tensor2D;
    return { x: out, present: attention.present };
  },
  final(arch, weights, x) {
    return rmsNorm(x, weights.weight('model.norm.weight') as tf.Tensor1D, arch.normEpsilon);
  },
};
