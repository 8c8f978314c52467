import { getWasmKernels, type KeyValueCache } from '@prefplay/backend-wasm-kernels';
import { createRng } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { causalMask, type LayerKeyValues, multiHeadAttention } from './layers/causal-attention.js';
import { embeddingLookup } from './layers/embedding-lookup.js';
import { dense as denseLayer, fastMatMul } from './layers/fast-mat-mul.js';
import { layerNorm } from './layers/layer-norm.js';

const integer = (min: number) => z.number().int().min(min);

/** Options of `createTransformerPolicy`: the decoder-only architecture and its initialisation. */
export const transformerConfigSchema = z
  .object({
    /** Token ids are `0 … vocabSize − 1`. */
    vocabSize: integer(2),
    /** Width of the residual stream. */
    dModel: integer(1),
    numLayers: integer(1),
    /** Attention heads; must divide `dModel`. */
    numHeads: integer(1),
    /** Longest prompt + response the model accepts (size of the learned position table). */
    maxSequenceLength: integer(2),
    /** Hidden width of the MLP (default `4·dModel`). */
    dFF: integer(1).optional(),
    /** Share the token embedding with the output head (default true). */
    tiedEmbeddings: z.boolean().default(true),
    /** Token that ends a response, reported to samplers through `DecoderV1.eosTokenId`. */
    eosTokenId: integer(0).optional(),
    /** Seed of the weight initialisation. */
    seed: z.number().int(),
    /** Standard deviation of the normal weight initialisation (default 0.02). */
    initStd: z.number().positive().max(10).default(0.02),
    policyId: z.string().min(1).optional(),
  })
  .refine((c) => c.dModel % c.numHeads === 0, {
    path: ['numHeads'],
    message: 'numHeads must divide dModel',
  })
  .refine((c) => c.eosTokenId === undefined || c.eosTokenId < c.vocabSize, {
    path: ['eosTokenId'],
    message: 'eosTokenId must be below vocabSize',
  });

export type TransformerConfig = z.input<typeof transformerConfigSchema>;

/** A parsed configuration with every default filled in (what `doSaveState` records). */
export type ResolvedTransformerConfig = {
  readonly vocabSize: number;
  readonly dModel: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly maxSequenceLength: number;
  readonly dFF: number;
  readonly tiedEmbeddings: boolean;
  readonly eosTokenId?: number;
  readonly seed: number;
  readonly initStd: number;
  readonly policyId: string;
};

export function resolveTransformerConfig(parsed: z.output<typeof transformerConfigSchema>): ResolvedTransformerConfig {
  return {
    vocabSize: parsed.vocabSize,
    dModel: parsed.dModel,
    numLayers: parsed.numLayers,
    numHeads: parsed.numHeads,
    maxSequenceLength: parsed.maxSequenceLength,
    dFF: parsed.dFF ?? 4 * parsed.dModel,
    tiedEmbeddings: parsed.tiedEmbeddings,
    ...(parsed.eosTokenId !== undefined ? { eosTokenId: parsed.eosTokenId } : {}),
    seed: parsed.seed,
    initStd: parsed.initStd,
    policyId: parsed.policyId ?? 'transformer',
  };
}

type WeightSpec = { name: string; shape: number[]; init: 'normal' | 'zeros' | 'ones'; std: number };

/** Every weight of the architecture, in a fixed order, with its initialisation. */
export function transformerWeightSpecs(config: ResolvedTransformerConfig): WeightSpec[] {
  const { vocabSize: v, dModel: d, dFF: f, initStd: std } = config;
  // GPT-2: projections into the residual stream are scaled down by 1/√(2·layers).
  const residualStd = std / Math.sqrt(2 * config.numLayers);
  const specs: WeightSpec[] = [
    { name: 'tokenEmbedding', shape: [v, d], init: 'normal', std },
    { name: 'positionEmbedding', shape: [config.maxSequenceLength, d], init: 'normal', std },
  ];
  for (let i = 0; i < config.numLayers; i++) {
    const p = `blocks.${i}`;
    specs.push(
      { name: `${p}.norm1.gamma`, shape: [d], init: 'ones', std: 0 },
      { name: `${p}.norm1.beta`, shape: [d], init: 'zeros', std: 0 },
      { name: `${p}.attention.qkv.kernel`, shape: [d, 3 * d], init: 'normal', std },
      { name: `${p}.attention.qkv.bias`, shape: [3 * d], init: 'zeros', std: 0 },
      { name: `${p}.attention.output.kernel`, shape: [d, d], init: 'normal', std: residualStd },
      { name: `${p}.attention.output.bias`, shape: [d], init: 'zeros', std: 0 },
      { name: `${p}.norm2.gamma`, shape: [d], init: 'ones', std: 0 },
      { name: `${p}.norm2.beta`, shape: [d], init: 'zeros', std: 0 },
      { name: `${p}.mlp.input.kernel`, shape: [d, f], init: 'normal', std },
      { name: `${p}.mlp.input.bias`, shape: [f], init: 'zeros', std: 0 },
      { name: `${p}.mlp.output.kernel`, shape: [f, d], init: 'normal', std: residualStd },
      { name: `${p}.mlp.output.bias`, shape: [d], init: 'zeros', std: 0 },
    );
  }
  specs.push(
    { name: 'finalNorm.gamma', shape: [d], init: 'ones', std: 0 },
    { name: 'finalNorm.beta', shape: [d], init: 'zeros', std: 0 },
  );
  if (!config.tiedEmbeddings) specs.push({ name: 'head.kernel', shape: [d, v], init: 'normal', std });
  return specs;
}

/** Initial weight values drawn from `createRng(config.seed)` (reproducible across runs). */
export function initialTransformerWeights(config: ResolvedTransformerConfig): Map<string, Float32Array> {
  const rng = createRng(config.seed);
  const out = new Map<string, Float32Array>();
  for (const spec of transformerWeightSpecs(config)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (spec.init === 'ones') values.fill(1);
    else if (spec.init === 'normal') for (let i = 0; i < size; i++) values[i] = spec.std * rng.normal();
    out.set(spec.name, values);
  }
  return out;
}

export type TransformerParams = ReadonlyMap<string, tf.Tensor>;

export type TransformerForwardInput = {
  /** `[batch·queryLength]` token ids, row-major. */
  readonly tokenIds: Int32Array;
  /** `[batch·queryLength]` position ids (index into the position table). */
  readonly positionIds: Int32Array;
  readonly batch: number;
  readonly queryLength: number;
  /**
   * Additive attention mask broadcastable to `[batch, heads, queryLength, keyLength]`; omit only
   * when every query may attend to every key, or with `causal`.
   */
  readonly mask?: tf.Tensor4D | undefined;
  /**
   * Plain causal self-attention over the rows (no padding, no past): the wasm kernels need no mask
   * for it; elsewhere a causal mask is built.
   */
  readonly causal?: boolean | undefined;
  /** Cached keys and values per layer (incremental decoding). */
  readonly past?: readonly LayerKeyValues[] | undefined;
  /**
   * A preallocated key/value cache of the wasm kernels (incremental decoding on the wasm backend):
   * this call's keys and values are written into it in place and every query attends to the
   * cached keys `keyStart[b] ≤ j ≤ cache.length + i`. The caller advances the cache afterwards.
   */
  readonly cache?: KeyValueCache | undefined;
  /** Rows of `[batch·queryLength]` to compute logits for (default: all). */
  readonly logitRows?: Int32Array | undefined;
  /** Return each layer's keys and values (for a cache); default false. */
  readonly keepKeyValues?: boolean;
};

export type TransformerForwardOutput = {
  /** Final-LayerNorm output, `[batch·queryLength, dModel]`. */
  readonly hidden: tf.Tensor2D;
  /** `[rows, vocabSize]` for the requested rows. */
  readonly logits: tf.Tensor2D;
  /** Keys and values per layer including the new positions (empty unless `keepKeyValues`). */
  readonly present: LayerKeyValues[];
};

function weight<T extends tf.Tensor>(params: TransformerParams, name: string): T {
  const t = params.get(name);
  if (!t) throw new Error(`transformer weight ${name} is missing`);
  return t as T;
}

function dense(
  x: tf.Tensor2D,
  params: TransformerParams,
  prefix: string,
  options: { readonly activation?: 'gelu'; readonly residual?: tf.Tensor2D } = {},
): tf.Tensor2D {
  return denseLayer(x, weight(params, `${prefix}.kernel`), weight(params, `${prefix}.bias`), options);
}

/**
 * The decoder on 2-D activations `[batch·queryLength, dModel]`: embeddings, pre-LayerNorm blocks
 * (causal multi-head attention, GELU MLP), final LayerNorm, output head. Differentiable; the
 * caller owns the outputs and runs it inside `tf.tidy` or a gradient scope. On the wasm backend the
 * kernels of `@prefplay/backend-wasm-kernels` run the embeddings, fused dense layers (bias, GELU and
 * residual in the product), LayerNorm, attention and the tied head; elsewhere plain tfjs ops.
 */
export function transformerForward(
  params: TransformerParams,
  config: ResolvedTransformerConfig,
  input: TransformerForwardInput,
): TransformerForwardOutput {
  const { batch, queryLength, past, cache } = input;
  const kernels = getWasmKernels();
  const keep = input.keepKeyValues === true;
  // The fallback builds the causal mask once for all layers; the kernel path needs none.
  const mask = input.mask ?? (input.causal && (!kernels || keep || past) ? causalMask(queryLength) : undefined);
  const tokenEmbedding = weight<tf.Tensor2D>(params, 'tokenEmbedding');
  const positionEmbedding = weight<tf.Tensor2D>(params, 'positionEmbedding');
  let x = kernels
    ? kernels.embedding(tokenEmbedding, input.tokenIds, { table: positionEmbedding, ids: input.positionIds })
    : (tf.add(
        embeddingLookup(tokenEmbedding, input.tokenIds),
        embeddingLookup(positionEmbedding, input.positionIds),
      ) as tf.Tensor2D);
  const present: LayerKeyValues[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    const p = `blocks.${i}`;
    const normed1 = layerNorm(x, weight(params, `${p}.norm1.gamma`), weight(params, `${p}.norm1.beta`));
    const qkv = dense(normed1, params, `${p}.attention.qkv`);
    let attended: tf.Tensor2D;
    if (cache && kernels) {
      attended = cache.attend(i, qkv, { queryLength, numHeads: config.numHeads });
    } else {
      const attention = multiHeadAttention({
        qkv,
        batch,
        queryLength,
        numHeads: config.numHeads,
        mask,
        causal: input.causal === true && !past,
        past: past?.[i],
        keepKeyValues: keep,
      });
      if (keep && attention.present) present.push(attention.present);
      attended = attention.output;
    }
    x = dense(attended, params, `${p}.attention.output`, { residual: x });
    const normed2 = layerNorm(x, weight(params, `${p}.norm2.gamma`), weight(params, `${p}.norm2.beta`));
    const inner = dense(normed2, params, `${p}.mlp.input`, { activation: 'gelu' });
    x = dense(inner, params, `${p}.mlp.output`, { residual: x });
  }
  const hidden = layerNorm(x, weight(params, 'finalNorm.gamma'), weight(params, 'finalNorm.beta'));
  const projected =
    input.logitRows && input.logitRows.length < batch * queryLength
      ? tf.gather(hidden, tf.tensor1d(input.logitRows, 'int32'))
      : hidden;
  const logits = config.tiedEmbeddings
    ? fastMatMul(projected, tokenEmbedding, { transposeB: true })
    : fastMatMul(projected, weight<tf.Tensor2D>(params, 'head.kernel'));
  return { hidden, logits, present };
}
