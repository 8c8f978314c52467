import { getWasmKernels } from '@prefplay/backend-wasm-kernels';
import type {
  DecoderV1,
  DecodingSessionV1,
  PolicyForwardOptionsV1,
  PolicyForwardResultV1,
  PolicyStateV1,
  PolicyV1,
  TokenIds,
} from '@prefplay/core';
import { PrefplayError, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { embeddingLookup } from './layers/embedding-lookup.js';
import { beginTransformerDecoding, checkTokens } from './transformer-decoding.js';
import {
  initialTransformerWeights,
  type ResolvedTransformerConfig,
  resolveTransformerConfig,
  type TransformerConfig,
  transformerConfigSchema,
  transformerForward,
  transformerWeightSpecs,
} from './transformer-model.js';

const file = 'packages/policies/src/transformer-policy.ts';

/** A decoder-only transformer language model usable as a policy and as a sampler's decoder. */
export type TransformerPolicy = Omit<PolicyV1, 'doSnapshot' | 'doSaveState'> &
  DecoderV1 & {
    /** The architecture with every default filled in. */
    readonly config: ResolvedTransformerConfig;
    /** Total number of weights. */
    readonly numParameters: number;
    /** Weights by name (variables; frozen in a snapshot). */
    readonly weights: ReadonlyMap<string, tf.Variable>;
    doSnapshot(): TransformerPolicy;
    doSaveState(): PolicyStateV1 & { readonly kind: 'transformer' };
    doBeginDecoding(options: { readonly prompts: readonly TokenIds[]; readonly useCache?: boolean }): DecodingSessionV1;
  };

/**
 * Creates a small decoder-only transformer LM (token + learned position embeddings, pre-LayerNorm
 * blocks with causal multi-head attention and a GELU MLP, final LayerNorm, tied or untied head)
 * with weights drawn from `createRng(config.seed)`. It scores response tokens given prompt tokens
 * (`PolicyV1`) and decodes incrementally with or without a key/value cache (`DecoderV1`).
 */
export function createTransformerPolicy(config: TransformerConfig): TransformerPolicy {
  const parsed = parseOptions(transformerConfigSchema, config, { what: 'transformer policy config' });
  const resolved = resolveTransformerConfig(parsed);
  return buildPolicy(resolved, initialTransformerWeights(resolved), true);
}

/**
 * `logSoftmax(logits)[r, targets[r]]` per row, 0 where the target is −1, from tfjs ops
 * (logSoftmax's registered gradient avoids the slow Equal of logSumExp's max gradient).
 */
function targetLogSoftmax(logits: tf.Tensor2D, targets: Int32Array): tf.Tensor1D {
  const [rows, vocab] = logits.shape;
  const oneHot = new Float32Array(rows * vocab);
  for (let r = 0; r < rows; r++) {
    const t = targets[r] as number;
    if (t >= 0) oneHot[r * vocab + t] = 1;
  }
  return tf.sum(tf.mul(tf.logSoftmax(logits), tf.tensor2d(oneHot, [rows, vocab])), 1) as tf.Tensor1D;
}

function toVariable(values: Float32Array, shape: readonly number[], trainable: boolean): tf.Variable {
  const initial = tf.tensor(values, shape as number[], 'float32');
  const variable = tf.variable(initial, trainable);
  initial.dispose();
  return variable;
}

/** Same architecture (everything that fixes the weight shapes and the computation). */
function sameArchitecture(a: ResolvedTransformerConfig, b: ResolvedTransformerConfig): string | undefined {
  const keys = ['vocabSize', 'dModel', 'numLayers', 'numHeads', 'maxSequenceLength', 'dFF', 'tiedEmbeddings'] as const;
  for (const key of keys) if (a[key] !== b[key]) return `${key} is ${String(b[key])}, the policy has ${String(a[key])}`;
  return undefined;
}

/** Parses a saved transformer state's config (used by `doLoadState` and `restorePolicy`). */
export function transformerConfigFromState(state: PolicyStateV1): ResolvedTransformerConfig {
  if (state.kind !== 'transformer') {
    throw new PrefplayError({
      code: 'invalid-checkpoint',
      problem: `policy state of kind "${state.kind}" cannot be loaded into a transformer policy`,
      where: { field: 'kind' },
      hint: 'Use restorePolicy(state) to rebuild the policy the state was saved from',
    });
  }
  const parsed = parseOptions(transformerConfigSchema, state.config, {
    what: 'transformer policy state config',
    fieldPrefix: 'config',
    code: 'invalid-checkpoint',
  });
  return resolveTransformerConfig(parsed);
}

function buildPolicy(
  config: ResolvedTransformerConfig,
  values: ReadonlyMap<string, Float32Array>,
  trainable: boolean,
): TransformerPolicy {
  const specs = transformerWeightSpecs(config);
  const weights = new Map<string, tf.Variable>();
  for (const spec of specs) {
    weights.set(spec.name, toVariable(values.get(spec.name) as Float32Array, spec.shape, trainable));
  }
  const ordered = specs.map((s) => weights.get(s.name) as tf.Variable);
  const numParameters = ordered.reduce((sum, v) => sum + v.size, 0);
  let disposed = false;
  const ensureOpen = () => {
    if (disposed) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `transformer policy "${config.policyId}" was disposed`,
        where: { file },
        hint: 'Create or restore a new policy',
      });
    }
  };

  const doForward = (options: PolicyForwardOptionsV1): PolicyForwardResultV1 => {
    ensureOpen();
    const { prompts, responses } = options;
    if (prompts.length !== responses.length || prompts.length === 0) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `doForward needs as many prompts as responses and at least one row (got ${prompts.length} prompts, ${responses.length} responses)`,
        where: { file, field: 'responses' },
        hint: 'Pass one prompt per response row',
      });
    }
    const batch = prompts.length;
    const lengths = prompts.map((p, b) => {
      const responseLength = (responses[b] as TokenIds).length;
      if (p.length === 0) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `prompt ${b} is empty, so its first response token has nothing to be conditioned on`,
          where: { file, field: `prompts[${b}]` },
          hint: "Start every prompt with the tokenizer's BOS id",
        });
      }
      const total = p.length + responseLength;
      if (total > config.maxSequenceLength) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `row ${b}: prompt (${p.length} tokens) + response (${responseLength} tokens) = ${total} tokens, longer than the policy's maxSequenceLength ${config.maxSequenceLength}`,
          where: { file, field: `responses[${b}]` },
          hint: 'Shorten prompts or responses (e.g. lower the sampler maxNewTokens) or create the policy with a larger maxSequenceLength',
        });
      }
      checkTokens(p, config.vocabSize, `prompts[${b}]`);
      checkTokens(responses[b] as TokenIds, config.vocabSize, `responses[${b}]`);
      return total;
    });
    const time = Math.max(...lengths);
    const responseLengths = responses.map((r) => r.length);
    const maxResponse = Math.max(1, ...responseLengths);
    const tokenIds = new Int32Array(batch * time);
    const positionIds = new Int32Array(batch * time);
    // Each scored position's target token; −1 for positions that are not scored.
    const targets = new Int32Array(batch * time).fill(-1);
    const hiddenMask = new Float32Array(batch * time);
    const selectRows = new Int32Array(batch * maxResponse);
    const responseMask = new Float32Array(batch * maxResponse);
    prompts.forEach((prompt, b) => {
      const response = responses[b] as TokenIds;
      const sequence = [...prompt, ...response];
      const base = b * time;
      for (let t = 0; t < time; t++) {
        tokenIds[base + t] = sequence[t] ?? 0;
        positionIds[base + t] = t;
      }
      // Position t predicts token t + 1; response token j sits at prompt.length + j.
      for (let j = 0; j < response.length; j++) {
        const t = prompt.length - 1 + j;
        targets[base + t] = response[j] as number;
        hiddenMask[base + t + 1] = 1;
        selectRows[b * maxResponse + j] = base + t;
        responseMask[b * maxResponse + j] = 1;
      }
    });
    const wantTokens = options.outputs?.tokenLogps === true;
    const wantHidden = options.outputs?.hidden === true;
    const result = tf.tidy(() => {
      const { hidden, logits } = transformerForward(weights, config, {
        tokenIds,
        positionIds,
        batch,
        queryLength: time,
        causal: true,
      });
      const kernels = getWasmKernels();
      const flatLogps = kernels ? kernels.tokenLogProbs(logits, targets) : targetLogSoftmax(logits, targets);
      const out: { -readonly [K in keyof PolicyForwardResultV1]: PolicyForwardResultV1[K] } = {
        logps: tf.sum(tf.reshape(flatLogps, [batch, time]), 1) as tf.Tensor1D,
        responseLengths,
      };
      if (wantTokens) {
        const maskTensor = tf.tensor2d(responseMask, [batch, maxResponse]);
        const selected = embeddingLookup(tf.reshape(flatLogps, [batch * time, 1]) as tf.Tensor2D, selectRows);
        out.tokenLogps = tf.mul(tf.reshape(selected, [batch, maxResponse]), maskTensor) as tf.Tensor2D;
        out.responseMask = maskTensor;
      }
      if (wantHidden) {
        const width = config.dModel;
        const maskTensor = tf.tensor2d(hiddenMask, [batch * time, 1]);
        const summed = tf.sum(tf.reshape(tf.mul(hidden, maskTensor), [batch, time, width]), 1);
        const counts = tf.tensor2d(
          responseLengths.map((n) => Math.max(1, n)),
          [batch, 1],
        );
        out.hidden = tf.div(summed, counts) as tf.Tensor2D;
      }
      return out as unknown as tf.TensorContainer;
    });
    return result as unknown as PolicyForwardResultV1;
  };

  const doSaveState = (): PolicyStateV1 & { readonly kind: 'transformer' } => {
    ensureOpen();
    const saved: Record<string, { shape: number[]; values: Float32Array }> = {};
    for (const spec of specs) {
      const variable = weights.get(spec.name) as tf.Variable;
      saved[spec.name] = { shape: variable.shape.slice(), values: Float32Array.from(variable.dataSync()) };
    }
    return { kind: 'transformer', config: { ...config }, weights: saved };
  };

  const policy: TransformerPolicy = {
    specificationVersion: 'v1',
    policyId: config.policyId,
    vocabSize: config.vocabSize,
    maxSequenceLength: config.maxSequenceLength,
    ...(config.eosTokenId !== undefined ? { eosTokenId: config.eosTokenId } : {}),
    config,
    numParameters,
    weights,
    doForward,
    trainableVariables: () => (trainable && !disposed ? ordered : []),
    doSnapshot(): TransformerPolicy {
      ensureOpen();
      const values = new Map<string, Float32Array>();
      for (const [name, variable] of weights) values.set(name, Float32Array.from(variable.dataSync()));
      return buildPolicy(config, values, false);
    },
    doSaveState,
    doLoadState(state: PolicyStateV1): void {
      ensureOpen();
      const incoming = transformerConfigFromState(state);
      const mismatch = sameArchitecture(config, incoming);
      if (mismatch) {
        throw new PrefplayError({
          code: 'invalid-checkpoint',
          problem: `transformer state does not fit this policy: config.${mismatch}`,
          where: { field: `config.${mismatch.split(' ')[0]}` },
          hint: 'Load it with restorePolicy(state) instead, which builds a policy of the saved shape',
        });
      }
      // Check everything before assigning anything, so a bad state leaves the policy unchanged.
      for (const spec of specs) {
        const entry = state.weights[spec.name];
        const size = spec.shape.reduce((a, b) => a * b, 1);
        if (!entry || entry.shape.join(',') !== spec.shape.join(',') || entry.values.length !== size) {
          throw new PrefplayError({
            code: 'invalid-checkpoint',
            problem: entry
              ? `weight ${spec.name} has shape [${entry.shape.join(', ')}] with ${entry.values.length} values; expected [${spec.shape.join(', ')}]`
              : `weight ${spec.name} is missing from the transformer state`,
            where: { field: `weights.${spec.name}` },
            hint: 'The state was saved from a different architecture or is truncated; save it again',
          });
        }
      }
      for (const spec of specs) {
        const entry = state.weights[spec.name] as { values: Float32Array };
        const fresh = tf.tensor(entry.values, spec.shape, 'float32');
        (weights.get(spec.name) as tf.Variable).assign(fresh);
        fresh.dispose();
      }
    },
    doBeginDecoding(options) {
      ensureOpen();
      return beginTransformerDecoding(weights, config, options);
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const variable of ordered) variable.dispose();
    },
  };
  return policy;
}

/** Rebuilds a transformer policy from a saved state (trainable, with the state's weights). */
export function restoreTransformerPolicy(state: PolicyStateV1): TransformerPolicy {
  const config = transformerConfigFromState(state);
  const policy = buildPolicy(config, initialTransformerWeights(config), true);
  try {
    policy.doLoadState(state);
  } catch (error) {
    policy.dispose();
    throw error;
  }
  return policy;
}
