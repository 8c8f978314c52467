import type { ModelArchitecture } from './model-architecture.js';

/** One weight of a model under its Hugging Face name. */
export type WeightSpec = {
  /** The key `save_pretrained` writes (GPT-2's with the `transformer.` prefix). */
  readonly name: string;
  /** Other keys the same tensor is found under (GPT-2's without the prefix). */
  readonly aliases: readonly string[];
  /** Shape as prefplay holds it: every kernel `[in, out]`, a tied embedding `[hidden, vocab]`. */
  readonly shape: readonly number[];
  /** Shape in the safetensors file. */
  readonly storedShape: readonly number[];
  /** Whether `shape` is the transpose of `storedShape`. */
  readonly transposed: boolean;
  readonly init: 'normal' | 'ones' | 'zeros';
};

/** A linear layer, as PEFT's `target_modules` name it. */
export type LinearModule = {
  /** Module path, e.g. `model.layers.0.self_attn.q_proj` or `transformer.h.0.attn.c_attn`. */
  readonly module: string;
  /** Its last name component, e.g. `q_proj`. */
  readonly shortName: string;
  readonly weight: string;
  readonly bias?: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** GPT-2's `Conv1D` stores its weight `[in, out]` (PEFT's `fan_in_fan_out`). */
  readonly conv1d: boolean;
};

export type ModelLayout = {
  readonly weights: readonly WeightSpec[];
  readonly linears: readonly LinearModule[];
  /** Name of the token embedding (the output head too when tied). */
  readonly embedding: string;
  /** Name of the output head (equal to `embedding` when tied). */
  readonly head: string;
};

/** Stored tensors that are buffers, not weights (old GPT-2 causal masks, rotary caches). */
export const ignoredTensorPattern = /(\.attn\.(bias|masked_bias)|\.rotary_emb\.inv_freq)$/;

/**
 * Every weight of an architecture with its Hugging Face name, stored shape and prefplay shape, in a
 * fixed order, and its linear layers. Kernels are held `[in, out]` so every projection is a
 * flag-free 2-D product: `nn.Linear` weights (`[out, in]` in the file) are transposed on load and
 * back on save; GPT-2's `Conv1D` weights are already `[in, out]`. The output head is held
 * `[hidden, vocab]`; with tied embeddings the token embedding is that same tensor.
 */
export function modelLayout(arch: ModelArchitecture): ModelLayout {
  const weights: WeightSpec[] = [];
  const linears: LinearModule[] = [];
  const d = arch.hiddenSize;
  const v = arch.vocabSize;
  const prefix = arch.family === 'gpt2' ? 'transformer.' : '';
  const add = (name: string, stored: number[], transposed: boolean, init: WeightSpec['init']) => {
    const shape = transposed ? [stored[1] as number, stored[0] as number] : stored;
    weights.push({
      name: prefix + name,
      aliases: prefix ? [name] : [],
      shape,
      storedShape: stored,
      transposed,
      init,
    });
  };
  const linear = (module: string, inFeatures: number, outFeatures: number, bias: boolean, conv1d: boolean) => {
    add(`${module}.weight`, conv1d ? [inFeatures, outFeatures] : [outFeatures, inFeatures], !conv1d, 'normal');
    if (bias) add(`${module}.bias`, [outFeatures], false, 'zeros');
    linears.push({
      module: prefix + module,
      shortName: module.slice(module.lastIndexOf('.') + 1),
      weight: `${prefix}${module}.weight`,
      ...(bias ? { bias: `${prefix}${module}.bias` } : {}),
      inFeatures,
      outFeatures,
      conv1d,
    });
  };
  const vector = (name: string, init: 'ones' | 'zeros') => add(name, [d], false, init);

  if (arch.family === 'gpt2') {
    const f = arch.intermediateSize;
    add('wte.weight', [v, d], arch.tiedEmbeddings, 'normal');
    add('wpe.weight', [arch.maxSequenceLength, d], false, 'normal');
    for (let i = 0; i < arch.numLayers; i++) {
      const p = `h.${i}`;
      vector(`${p}.ln_1.weight`, 'ones');
      vector(`${p}.ln_1.bias`, 'zeros');
      linear(`${p}.attn.c_attn`, d, 3 * d, true, true);
      linear(`${p}.attn.c_proj`, d, d, true, true);
      vector(`${p}.ln_2.weight`, 'ones');
      vector(`${p}.ln_2.bias`, 'zeros');
      linear(`${p}.mlp.c_fc`, d, f, true, true);
      linear(`${p}.mlp.c_proj`, f, d, true, true);
    }
    vector('ln_f.weight', 'ones');
    vector('ln_f.bias', 'zeros');
  } else {
    const f = arch.intermediateSize;
    const q = arch.numHeads * arch.headDim;
    const kv = arch.numKeyValueHeads * arch.headDim;
    add('model.embed_tokens.weight', [v, d], arch.tiedEmbeddings, 'normal');
    for (let i = 0; i < arch.numLayers; i++) {
      const p = `model.layers.${i}`;
      vector(`${p}.input_layernorm.weight`, 'ones');
      linear(`${p}.self_attn.q_proj`, d, q, arch.queryKeyValueBias, false);
      linear(`${p}.self_attn.k_proj`, d, kv, arch.queryKeyValueBias, false);
      linear(`${p}.self_attn.v_proj`, d, kv, arch.queryKeyValueBias, false);
      linear(`${p}.self_attn.o_proj`, q, d, arch.outputBias, false);
      vector(`${p}.post_attention_layernorm.weight`, 'ones');
      linear(`${p}.mlp.gate_proj`, d, f, arch.mlpBias, false);
      linear(`${p}.mlp.up_proj`, d, f, arch.mlpBias, false);
      linear(`${p}.mlp.down_proj`, f, d, arch.mlpBias, false);
    }
    vector('model.norm.weight', 'ones');
  }
  const embedding = arch.family === 'gpt2' ? 'transformer.wte.weight' : 'model.embed_tokens.weight';
  if (!arch.tiedEmbeddings) {
    // lm_head sits outside `transformer.` in GPT2LMHeadModel, so it never has the prefix.
    weights.push({
      name: 'lm_head.weight',
      aliases: [],
      shape: [d, v],
      storedShape: [v, d],
      transposed: true,
      init: 'normal',
    });
  }
  return { weights, linears, embedding, head: arch.tiedEmbeddings ? embedding : 'lm_head.weight' };
}
