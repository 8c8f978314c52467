import { PrefplayError, parseEosTokenIds, parseOptions } from '@prefplay/core';
import { z } from 'zod';
import type { RopeScaling } from '../layers/rotary-embedding.js';

/** The `model_type` values of `config.json` that prefplay loads. */
export const supportedModelTypes = ['gpt2', 'llama', 'qwen2', 'mistral'] as const;

export type SupportedModelType = (typeof supportedModelTypes)[number];

/** Everything that fixes a model's weight shapes and its computation, from `config.json`. */
export type ModelArchitecture = {
  readonly modelType: SupportedModelType;
  /** `gpt2`: learned positions, LayerNorm, GELU, fused QKV; `llama`: RMSNorm, rotary, SwiGLU, GQA. */
  readonly family: 'gpt2' | 'llama';
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  /** Longest prompt + response (the position table, or the sliding window where one applies). */
  readonly maxSequenceLength: number;
  readonly normEpsilon: number;
  readonly tiedEmbeddings: boolean;
  /** Biases on the query, key and value projections (Qwen2; Llama with `attention_bias`). */
  readonly queryKeyValueBias: boolean;
  /** Bias on the attention output projection (Llama with `attention_bias`). */
  readonly outputBias: boolean;
  /** Biases on the MLP projections (Llama with `mlp_bias`). */
  readonly mlpBias: boolean;
  readonly ropeTheta: number;
  readonly ropeScaling?: RopeScaling;
  readonly bosTokenId?: number;
  /** `config.json`'s `eos_token_id` as a list (empty when it has none). */
  readonly eosTokenIds: readonly number[];
};

const positive = z.number().int().min(1);
const bosId = z.number().int().min(0).nullish();

const gpt2Schema = z.looseObject({
  model_type: z.literal('gpt2'),
  vocab_size: positive,
  n_embd: positive,
  n_layer: positive,
  n_head: positive,
  n_positions: positive,
  n_inner: positive.nullish(),
  layer_norm_epsilon: z.number().positive().default(1e-5),
  activation_function: z.string().default('gelu_new'),
  scale_attn_weights: z.boolean().default(true),
  scale_attn_by_inverse_layer_idx: z.boolean().default(false),
  tie_word_embeddings: z.boolean().default(true),
  bos_token_id: bosId,
  // Checked by eosTokenIdsOf (one id or a non-empty list, each below vocab_size).
  eos_token_id: z.unknown().optional(),
});

const ropeScalingSchema = z
  .looseObject({
    rope_type: z.string().optional(),
    type: z.string().optional(),
    factor: z.number().positive().optional(),
    low_freq_factor: z.number().positive().optional(),
    high_freq_factor: z.number().positive().optional(),
    original_max_position_embeddings: positive.optional(),
  })
  .nullish();

const llamaSchema = z.looseObject({
  model_type: z.enum(['llama', 'qwen2', 'mistral']),
  vocab_size: positive,
  hidden_size: positive,
  intermediate_size: positive,
  num_hidden_layers: positive,
  num_attention_heads: positive,
  num_key_value_heads: positive.nullish(),
  head_dim: positive.nullish(),
  max_position_embeddings: positive,
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(10000),
  rope_scaling: ropeScalingSchema,
  hidden_act: z.string().default('silu'),
  attention_bias: z.boolean().default(false),
  mlp_bias: z.boolean().default(false),
  tie_word_embeddings: z.boolean().default(false),
  sliding_window: positive.nullish(),
  use_sliding_window: z.boolean().default(false),
  bos_token_id: bosId,
  // Checked by eosTokenIdsOf (one id or a non-empty list, each below vocab_size).
  eos_token_id: z.unknown().optional(),
});

function eosTokenIdsOf(value: unknown, vocabSize: number, file: string): number[] {
  return (
    parseEosTokenIds(value, {
      what: 'model config',
      field: 'eos_token_id',
      file,
      vocabSize,
      code: 'invalid-config',
      hint: `eos_token_id must be one token id or a non-empty list of token ids below vocab_size ${vocabSize}; use the config.json the model was published with`,
    }) ?? []
  );
}

function unsupported(file: string, field: string, problem: string, hint: string): never {
  throw new PrefplayError({ code: 'unsupported', problem, where: { file, field }, hint });
}

function ropeScalingOf(raw: z.output<typeof ropeScalingSchema>, file: string): RopeScaling | undefined {
  if (raw === null || raw === undefined) return undefined;
  const kind = raw.rope_type ?? raw.type ?? 'default';
  const need = (key: 'factor' | 'low_freq_factor' | 'high_freq_factor' | 'original_max_position_embeddings') => {
    const value = raw[key];
    if (value === undefined) {
      throw new PrefplayError({
        code: 'invalid-config',
        problem: `rope_scaling of type ${kind} needs ${key}`,
        where: { file, field: `rope_scaling.${key}` },
        hint: 'Use the config.json the model was published with',
      });
    }
    return value;
  };
  if (kind === 'default') return undefined;
  if (kind === 'linear') return { type: 'linear', factor: need('factor') };
  if (kind === 'llama3') {
    return {
      type: 'llama3',
      factor: need('factor'),
      lowFrequencyFactor: need('low_freq_factor'),
      highFrequencyFactor: need('high_freq_factor'),
      originalMaxPositions: need('original_max_position_embeddings'),
    };
  }
  return unsupported(
    file,
    'rope_scaling.rope_type',
    `rope_scaling type "${kind}" is not supported`,
    'Supported rope scalings: none (default), linear and llama3',
  );
}

/**
 * Reads a Hugging Face `config.json` object into a `ModelArchitecture`. Supports `model_type`
 * `gpt2`, `llama`, `qwen2` and `mistral`; anything else, or a setting these implementations do not
 * compute (another activation, another rope scaling), is an `unsupported` error naming the field.
 * Unknown extra keys are ignored (Hugging Face configs carry many).
 */
export function parseModelArchitecture(config: unknown, file = 'config.json'): ModelArchitecture {
  const modelType = (config as { model_type?: unknown } | null)?.model_type;
  if (typeof modelType !== 'string' || !(supportedModelTypes as readonly string[]).includes(modelType)) {
    throw new PrefplayError({
      code: 'unsupported',
      problem:
        modelType === undefined
          ? 'the config has no model_type'
          : `model_type ${JSON.stringify(modelType)} is not supported`,
      where: { file, field: 'model_type' },
      hint: `Supported model types: ${supportedModelTypes.join(', ')} (GPT-2 and Llama families)`,
    });
  }
  const context = { what: `${modelType} config`, file, code: 'invalid-config' as const };
  if (modelType === 'gpt2') {
    const c = parseOptions(gpt2Schema, config, context);
    if (!['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast'].includes(c.activation_function)) {
      unsupported(
        file,
        'activation_function',
        `activation_function "${c.activation_function}" is not supported`,
        'GPT-2 models are computed with the tanh GELU (gelu_new, gelu_pytorch_tanh, gelu_fast)',
      );
    }
    if (!c.scale_attn_weights || c.scale_attn_by_inverse_layer_idx) {
      unsupported(
        file,
        c.scale_attn_weights ? 'scale_attn_by_inverse_layer_idx' : 'scale_attn_weights',
        'only attention scaled by 1/√headDim is supported',
        'Use scale_attn_weights: true and scale_attn_by_inverse_layer_idx: false',
      );
    }
    if (c.n_embd % c.n_head !== 0) {
      throw new PrefplayError({
        code: 'invalid-config',
        problem: `n_head ${c.n_head} does not divide n_embd ${c.n_embd}`,
        where: { file, field: 'n_head' },
        hint: 'Use the config.json the model was published with',
      });
    }
    return {
      modelType: 'gpt2',
      family: 'gpt2',
      vocabSize: c.vocab_size,
      hiddenSize: c.n_embd,
      numLayers: c.n_layer,
      numHeads: c.n_head,
      numKeyValueHeads: c.n_head,
      headDim: c.n_embd / c.n_head,
      intermediateSize: c.n_inner ?? 4 * c.n_embd,
      maxSequenceLength: c.n_positions,
      normEpsilon: c.layer_norm_epsilon,
      tiedEmbeddings: c.tie_word_embeddings,
      queryKeyValueBias: true,
      outputBias: true,
      mlpBias: true,
      ropeTheta: 0,
      ...(c.bos_token_id !== null && c.bos_token_id !== undefined ? { bosTokenId: c.bos_token_id } : {}),
      eosTokenIds: eosTokenIdsOf(c.eos_token_id, c.vocab_size, file),
    };
  }
  const c = parseOptions(llamaSchema, config, context);
  if (c.hidden_act !== 'silu') {
    unsupported(
      file,
      'hidden_act',
      `hidden_act "${c.hidden_act}" is not supported`,
      'Llama-family models are computed with SiLU (hidden_act: silu)',
    );
  }
  const numKeyValueHeads = c.num_key_value_heads ?? c.num_attention_heads;
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  const invalid = (field: string, problem: string): never => {
    throw new PrefplayError({
      code: 'invalid-config',
      problem,
      where: { file, field },
      hint: 'Use the config.json the model was published with',
    });
  };
  if (c.num_attention_heads % numKeyValueHeads !== 0) {
    invalid(
      'num_key_value_heads',
      `num_key_value_heads ${numKeyValueHeads} does not divide num_attention_heads ${c.num_attention_heads}`,
    );
  }
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    invalid(c.head_dim ? 'head_dim' : 'num_attention_heads', `the head size ${headDim} is not an even integer`);
  }
  const ropeScaling = ropeScalingOf(c.rope_scaling, file);
  const window =
    c.model_type === 'mistral' || (c.model_type === 'qwen2' && c.use_sliding_window) ? c.sliding_window : undefined;
  return {
    modelType: c.model_type,
    family: 'llama',
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    numKeyValueHeads,
    headDim,
    intermediateSize: c.intermediate_size,
    // Within its sliding window a model attends to every earlier token, so capping the context
    // there keeps the computation exact.
    maxSequenceLength: window ? Math.min(window, c.max_position_embeddings) : c.max_position_embeddings,
    normEpsilon: c.rms_norm_eps,
    tiedEmbeddings: c.tie_word_embeddings,
    queryKeyValueBias: c.model_type === 'qwen2' || (c.model_type === 'llama' && c.attention_bias),
    outputBias: c.model_type === 'llama' && c.attention_bias,
    mlpBias: c.model_type === 'llama' && c.mlp_bias,
    ropeTheta: c.rope_theta,
    ...(ropeScaling ? { ropeScaling } : {}),
    ...(c.bos_token_id !== null && c.bos_token_id !== undefined ? { bosTokenId: c.bos_token_id } : {}),
    eosTokenIds: eosTokenIdsOf(c.eos_token_id, c.vocab_size, file),
  };
}
