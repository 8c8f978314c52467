import * as tf from '@tensorflow/tfjs-core';
import type { LayerKeyValues } from '../layers/causal-attention.js';
import { groupedQueryAttention } from '../layers/grouped-query-attention.js';
import { rmsNorm } from '../layers/rms-norm.js';
import { applyRotaryEmbedding, ropeInverseFrequencies, rotaryTables } from '../layers/rotary-embedding.js';
import { swiglu } from '../layers/swiglu.js';
import type { ModelArchitecture } from './model-architecture.js';
import type { ModelForwardInput, ModelForwardOutput, ModelWeights } from './model-forward.js';

/**
 * The Llama family (`LlamaForCausalLM`, `Qwen2ForCausalLM`, `MistralForCausalLM` up to the final
 * norm): per layer `x += o_proj(attention(rope(q_proj(h)), rope(k_proj(h)), v_proj(h)))` with
 * `h = rms(x)`, then `x += down_proj(silu(gate_proj(h')) · up_proj(h'))` with `h' = rms(x)`;
 * grouped-query attention, rotary embeddings in the half-rotation layout, final RMSNorm.
 */
export function llamaForward(
  arch: ModelArchitecture,
  weights: ModelWeights,
  input: ModelForwardInput,
): ModelForwardOutput {
  const { batch, queryLength, mask, past } = input;
  const eps = arch.normEpsilon;
  const w = (name: string) => weights.weight(name) as tf.Tensor1D;
  const rows = batch * queryLength;
  const { cos, sin } = rotaryTables(
    input.positionIds,
    ropeInverseFrequencies(arch.headDim, arch.ropeTheta, arch.ropeScaling),
  );
  const tables = { cos: tf.tensor2d(cos, [rows, arch.headDim]), sin: tf.tensor2d(sin, [rows, arch.headDim]) };
  let x = weights.embed(input.tokenIds);
  const present: LayerKeyValues[] = [];
  for (let i = 0; i < arch.numLayers; i++) {
    const p = `model.layers.${i}`;
    const h = rmsNorm(x, w(`${p}.input_layernorm.weight`), eps);
    const queries = applyRotaryEmbedding(weights.linear(h, `${p}.self_attn.q_proj`), tables, arch.numHeads);
    const keys = applyRotaryEmbedding(weights.linear(h, `${p}.self_attn.k_proj`), tables, arch.numKeyValueHeads);
    const values = weights.linear(h, `${p}.self_attn.v_proj`);
    const attention = groupedQueryAttention({
      queries,
      keys,
      values,
      batch,
      queryLength,
      numHeads: arch.numHeads,
      numKeyValueHeads: arch.numKeyValueHeads,
      mask,
      past: past?.[i],
    });
    if (input.keepKeyValues) present.push(attention.present);
    x = tf.add(x, weights.linear(attention.output, `${p}.self_attn.o_proj`)) as tf.Tensor2D;
    const h2 = rmsNorm(x, w(`${p}.post_attention_layernorm.weight`), eps);
    const inner = swiglu(weights.linear(h2, `${p}.mlp.gate_proj`), weights.linear(h2, `${p}.mlp.up_proj`));
    x = tf.add(x, weights.linear(inner, `${p}.mlp.down_proj`)) as tf.Tensor2D;
  }
  return { hidden: rmsNorm(x, w('model.norm.weight'), eps), present };
}
