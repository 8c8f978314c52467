import {
  createRng,
  type DecoderV1,
  type DecodingSessionV1,
  eosTokenIdsSchema,
  type PolicyForwardOptionsV1,
  type PolicyForwardResultV1,
  type PolicyStateV1,
  type PolicyV1,
  PrefplayError,
  parseEosTokenIds,
  parseOptions,
  type Rng,
  type TokenIds,
} from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { beginCachedDecoding } from '../cached-decoding.js';
import { causalMask } from '../layers/causal-attention.js';
import { embeddingColumns } from '../layers/embedding-columns.js';
import { embeddingLookup } from '../layers/embedding-lookup.js';
import { dense, fastMatMul } from '../layers/fast-mat-mul.js';
import { frozenDense } from '../layers/frozen-dense.js';
import { tokenLogProbs } from '../layers/token-log-probs.js';
import { loraOptionsSchema, type ResolvedLora, resolveLora } from './lora-options.js';
import { type ModelArchitecture, parseModelArchitecture } from './model-architecture.js';
import { type ModelWeights, modelForward } from './model-forward.js';
import { type LinearModule, type ModelLayout, modelLayout, type WeightSpec } from './model-layout.js';
import { scoringBatch } from './scoring-batch.js';
import { transposeMatrix } from './transpose-matrix.js';

const file = 'packages/policies/src/hugging-face/hugging-face-policy.ts';

/** The kind recorded in a Hugging Face policy's `PolicyStateV1`. */
export const huggingFacePolicyKind = 'hugging-face';

/** One LoRA adapter: `A` is `[in, r]`, `B` is `[r, out]` (PEFT stores their transposes). */
export type LoraAdapter = {
  readonly module: LinearModule;
  readonly a: tf.Variable;
  readonly b: tf.Variable;
};

/** A GPT-2 or Llama-family model from a Hugging Face folder, usable as a policy and as a decoder. */
export type HuggingFacePolicy = Omit<PolicyV1, 'doSnapshot' | 'doSaveState'> &
  DecoderV1 & {
    readonly architecture: ModelArchitecture;
    /** The `config.json` object the policy was built from. */
    readonly config: Readonly<Record<string, unknown>>;
    readonly layout: ModelLayout;
    /** Base weights by Hugging Face name, in prefplay's layout (kernels `[in, out]`). */
    readonly weights: ReadonlyMap<string, tf.Variable>;
    /** LoRA adapters by module path (empty without LoRA). */
    readonly adapters: ReadonlyMap<string, LoraAdapter>;
    readonly lora: ResolvedLora | undefined;
    /** Base weights plus adapters. */
    readonly numParameters: number;
    doSnapshot(): HuggingFacePolicy;
    doSaveState(): PolicyStateV1 & { readonly kind: typeof huggingFacePolicyKind };
    doBeginDecoding(options: { readonly prompts: readonly TokenIds[]; readonly useCache?: boolean }): DecodingSessionV1;
  };

/** Options of `createHuggingFacePolicy` and `loadHuggingFacePolicy`. */
export const huggingFacePolicyOptionsSchema = z.strictObject({
  /** The model's `config.json` object. */
  config: z.record(z.string(), z.unknown()),
  /** Where `config` came from, for errors. */
  configFile: z.string().default('config.json'),
  /** LoRA adapters; without, every weight is trainable. */
  lora: loraOptionsSchema.optional(),
  /** Whether the policy's variables are trainable (default true; false gives a frozen model). */
  trainable: z.boolean().default(true),
  /**
   * Token that ends a response, or a non-empty list of them, reported to samplers as
   * `eosTokenId` (the first) and `eosTokenIds` (all); default: `config.json`'s `eos_token_id`.
   */
  eosTokenId: eosTokenIdsSchema.optional(),
  policyId: z.string().min(1).optional(),
  /** Seed of random weights (`createHuggingFacePolicy` without weights) and of LoRA's `A`. */
  seed: z.number().int().default(0),
  /** Standard deviation of random weights (default 0.02, as Hugging Face's `initializer_range`). */
  initStd: z.number().positive().default(0.02),
  /**
   * Recompute each decoder layer in the backward pass instead of keeping its intermediates
   * (default true): a training step then holds one layer's activations at a time, for about a third
   * more compute. Gradients are the same either way.
   */
  gradientCheckpointing: z.boolean().default(true),
});

export type HuggingFacePolicyOptions = z.input<typeof huggingFacePolicyOptionsSchema>;

type ResolvedOptions = z.output<typeof huggingFacePolicyOptionsSchema>;

/** Base weights shared by a LoRA policy and its snapshots; freed when the last user is disposed. */
type SharedBase = { readonly variables: Map<string, tf.Variable>; users: number };

function toVariable(values: Float32Array, shape: readonly number[], trainable: boolean, name?: string): tf.Variable {
  const initial = tf.tensor(values, shape as number[], 'float32');
  const variable = tf.variable(initial, trainable, name);
  initial.dispose();
  return variable;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A stored tensor in prefplay's layout (transposed where the layout says so). */
export function toInternalLayout(spec: WeightSpec, stored: Float32Array): Float32Array {
  return spec.transposed
    ? transposeMatrix(stored, spec.storedShape[0] as number, spec.storedShape[1] as number)
    : stored;
}

/** Throws unless a stored tensor has the shape the architecture implies. */
export function checkStoredShape(spec: WeightSpec, key: string, shape: readonly number[], where: string): void {
  if (shape.length !== spec.storedShape.length || shape.some((d, i) => d !== spec.storedShape[i])) {
    throw new PrefplayError({
      code: 'invalid-checkpoint',
      problem: `tensor "${key}" has shape [${shape.join(', ')}]; config.json implies [${spec.storedShape.join(', ')}]`,
      where: { file: where, field: key },
      hint: 'The weights and config.json do not belong to the same model; download the folder again',
    });
  }
}

function parsePolicyOptions(options: HuggingFacePolicyOptions): {
  resolved: ResolvedOptions;
  arch: ModelArchitecture;
  layout: ModelLayout;
  lora: ResolvedLora | undefined;
  eosTokenIds: readonly number[];
} {
  const resolved = parseOptions(huggingFacePolicyOptionsSchema, options, { what: 'Hugging Face policy options' });
  const arch = parseModelArchitecture(resolved.config, resolved.configFile);
  // Checked here, where the vocabulary is known.
  const eosTokenIds =
    parseEosTokenIds(resolved.eosTokenId, {
      what: 'Hugging Face policy options',
      field: 'eosTokenId',
      vocabSize: arch.vocabSize,
      hint: `Pass end-of-sequence ids below the model's vocab_size ${arch.vocabSize} (${resolved.configFile})`,
    }) ?? arch.eosTokenIds;
  const layout = modelLayout(arch);
  const lora = resolved.lora
    ? resolveLora(resolved.lora, arch.modelType, layout.linears, { fieldPrefix: 'lora' })
    : undefined;
  return { resolved, arch, layout, lora, eosTokenIds };
}

function initialAdapters(layout: ModelLayout, lora: ResolvedLora, trainable: boolean): Map<string, LoraAdapter> {
  // PEFT's default: A ~ kaiming_uniform(a = √5), i.e. U(−1/√in, 1/√in); B = 0 (the adapter starts at zero).
  const rng = createRng(lora.seed).fork('lora A');
  const adapters = new Map<string, LoraAdapter>();
  for (const module of layout.linears) {
    if (!lora.modules.includes(module.module)) continue;
    const bound = 1 / Math.sqrt(module.inFeatures);
    const a = new Float32Array(module.inFeatures * lora.r);
    for (let i = 0; i < a.length; i++) a[i] = (2 * rng.next() - 1) * bound;
    adapters.set(module.module, {
      module,
      a: toVariable(a, [module.inFeatures, lora.r], trainable),
      b: toVariable(new Float32Array(lora.r * module.outFeatures), [lora.r, module.outFeatures], trainable),
    });
  }
  return adapters;
}

/** The policy over freshly made base variables (it owns them), with new LoRA adapters when asked for. */
function policyOnBase(
  parsed: ReturnType<typeof parsePolicyOptions>,
  variables: Map<string, tf.Variable>,
): HuggingFacePolicy {
  const { resolved, arch, layout, lora, eosTokenIds } = parsed;
  const adapters = lora ? initialAdapters(layout, lora, resolved.trainable) : new Map<string, LoraAdapter>();
  return buildPolicy({
    arch,
    layout,
    resolved,
    lora,
    eosTokenIds,
    base: { variables, users: 1 },
    adapters,
    trainable: resolved.trainable,
  });
}

/**
 * Creates a Hugging Face architecture policy from a `config.json` object with random weights
 * (normal with `initStd`, norms 1, biases 0, drawn from `createRng(seed)`), or with `weights`:
 * tensors by Hugging Face name in the stored layout (as in `model.safetensors`).
 */
export function createHuggingFacePolicy(
  options: HuggingFacePolicyOptions & { readonly weights?: ReadonlyMap<string, Float32Array> },
): HuggingFacePolicy {
  const { weights, ...rest } = options;
  const parsed = parsePolicyOptions(rest);
  const { resolved, layout, lora } = parsed;
  const baseTrainable = resolved.trainable && !lora;
  const rng = createRng(resolved.seed).fork('weights');
  const variables = new Map<string, tf.Variable>();
  try {
    for (const spec of layout.weights) {
      let values: Float32Array;
      if (weights) {
        const key = [spec.name, ...spec.aliases].find((k) => weights.has(k));
        if (key === undefined) missingWeight(spec, 'weights');
        const stored = weights.get(key) as Float32Array;
        if (stored.length !== size(spec.storedShape)) checkStoredShape(spec, key, [stored.length], 'weights');
        values = toInternalLayout(spec, stored);
      } else {
        values = new Float32Array(size(spec.shape));
        if (spec.init === 'ones') values.fill(1);
        else if (spec.init === 'normal')
          for (let i = 0; i < values.length; i++) values[i] = resolved.initStd * rng.normal();
      }
      variables.set(spec.name, toVariable(values, spec.shape, baseTrainable));
    }
  } catch (error) {
    for (const v of variables.values()) v.dispose();
    throw error;
  }
  return policyOnBase(parsed, variables);
}

export function missingWeight(spec: WeightSpec, where: string): never {
  throw new PrefplayError({
    code: 'invalid-checkpoint',
    problem: `tensor "${spec.name}"${spec.aliases.length ? ` (or "${spec.aliases.join('", "')}")` : ''} is missing from the weights`,
    where: { file: where, field: spec.name },
    hint: 'The weights and config.json do not belong to the same model (or the download is incomplete)',
  });
}

/**
 * Builds a policy from tensors read one at a time (each converted to float32, transposed into
 * prefplay's layout and moved into a tfjs variable before the next is read), so no second full copy
 * of the weights exists while loading. `read(spec)` returns the stored tensor for a weight.
 */
export async function loadHuggingFacePolicy(
  options: HuggingFacePolicyOptions & {
    readonly read: (spec: WeightSpec) => Promise<Float32Array>;
  },
): Promise<HuggingFacePolicy> {
  const { read, ...rest } = options;
  const parsed = parsePolicyOptions(rest);
  const { resolved, layout, lora } = parsed;
  const baseTrainable = resolved.trainable && !lora;
  const variables = new Map<string, tf.Variable>();
  try {
    for (const spec of layout.weights) {
      const stored = await read(spec);
      variables.set(spec.name, toVariable(toInternalLayout(spec, stored), spec.shape, baseTrainable));
    }
  } catch (error) {
    for (const v of variables.values()) v.dispose();
    throw error;
  }
  return policyOnBase(parsed, variables);
}

type PolicyParts = {
  readonly arch: ModelArchitecture;
  readonly layout: ModelLayout;
  readonly resolved: ResolvedOptions;
  readonly lora: ResolvedLora | undefined;
  /** Tokens that end a response (the option, else config.json's). */
  readonly eosTokenIds: readonly number[];
  readonly base: SharedBase;
  readonly adapters: Map<string, LoraAdapter>;
  readonly trainable: boolean;
};

function buildPolicy(parts: PolicyParts): HuggingFacePolicy {
  const { arch, layout, resolved, lora, eosTokenIds, base, adapters, trainable } = parts;
  const policyId = resolved.policyId ?? `hugging-face:${arch.modelType}`;
  const variables = base.variables;
  const linears = new Map(layout.linears.map((l) => [l.module, l]));
  const scaling = lora ? lora.alpha / lora.r : 0;
  const dropoutRng: Rng = createRng(lora?.seed ?? 0).fork('lora dropout');
  const layerPrefix = (i: number) => (arch.family === 'gpt2' ? `transformer.h.${i}.` : `model.layers.${i}.`);
  const eosTokenId = eosTokenIds[0];
  let disposed = false;

  const ensureOpen = () => {
    if (disposed) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `policy "${policyId}" was disposed`,
        where: { file },
        hint: 'Load the model again',
      });
    }
  };

  const get = (name: string): tf.Variable => {
    const v = variables.get(name);
    if (!v) throw new Error(`hugging-face policy: weight ${name} is missing`);
    return v;
  };

  // Each training forward draws one seed; a module's mask derives from it and the module name, so a
  // checkpointed layer recomputes exactly the masks of its forward pass.
  const dropout = (x: tf.Tensor2D, callSeed: number, module: string): tf.Tensor2D => {
    const p = lora?.dropout ?? 0;
    const rng = createRng(callSeed).fork(module);
    const mask = new Float32Array(x.size);
    const keep = 1 / (1 - p);
    for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < p ? 0 : keep;
    return tf.mul(x, tf.tensor2d(mask, x.shape)) as tf.Tensor2D;
  };

  const modelWeights = (training: boolean): ModelWeights => {
    const callSeed = training && (lora?.dropout ?? 0) > 0 ? dropoutRng.int(0x7fffffff) : 0;
    return {
      weight: get,
      linear(x, module) {
        const spec = linears.get(module);
        if (!spec) throw new Error(`hugging-face policy: linear module ${module} is unknown`);
        const kernel = get(spec.weight) as tf.Variable<tf.Rank.R2>;
        const bias = spec.bias ? (get(spec.bias) as tf.Variable<tf.Rank.R1>) : undefined;
        let y: tf.Tensor2D;
        if (!kernel.trainable) y = frozenDense(x, kernel, bias);
        else y = bias ? dense(x, kernel, bias) : fastMatMul(x, kernel);
        const adapter = adapters.get(module);
        if (adapter) {
          const input = training && (lora?.dropout ?? 0) > 0 ? dropout(x, callSeed, module) : x;
          const delta = fastMatMul(
            fastMatMul(input, adapter.a as tf.Variable<tf.Rank.R2>),
            adapter.b as tf.Variable<tf.Rank.R2>,
          );
          y = tf.add(y, tf.mul(delta, scaling)) as tf.Tensor2D;
        }
        return y;
      },
      embed(ids) {
        const table = get(layout.embedding) as tf.Variable<tf.Rank.R2>;
        return arch.tiedEmbeddings ? embeddingColumns(table, ids) : embeddingLookup(table, ids);
      },
      layerVariables(i) {
        const prefix = layerPrefix(i);
        if (lora) {
          return [...adapters.values()]
            .filter((a) => a.module.module.startsWith(prefix))
            .flatMap((a) => [a.a, a.b])
            .filter((v) => v.trainable);
        }
        return layout.weights
          .filter((s) => s.name.startsWith(prefix))
          .map((s) => get(s.name))
          .filter((v) => v.trainable);
      },
    };
  };

  const head = () => get(layout.head) as tf.Variable<tf.Rank.R2>;

  const doForward = (options: PolicyForwardOptionsV1): PolicyForwardResultV1 => {
    ensureOpen();
    const rows = scoringBatch(options.prompts, options.responses, {
      vocabSize: arch.vocabSize,
      maxSequenceLength: arch.maxSequenceLength,
      policyId,
    });
    // LoRA dropout is active only while gradients are being recorded (a training step).
    const training = tf.engine().isTapeOn();
    const wantTokens = options.outputs?.tokenLogps === true;
    const wantHidden = options.outputs?.hidden === true;
    const { batch, time, maxResponse, responseLengths } = rows;
    const scored = rows.scoredRows.length;
    const result = tf.tidy(() => {
      const { hidden } = modelForward(arch, modelWeights(training), {
        tokenIds: rows.tokenIds,
        positionIds: rows.positionIds,
        batch,
        queryLength: time,
        mask: causalMask(time),
        causal: true,
        checkpointLayers: training && resolved.gradientCheckpointing,
      });
      const out: { -readonly [K in keyof PolicyForwardResultV1]: PolicyForwardResultV1[K] } = {
        logps: tf.zeros([batch]) as tf.Tensor1D,
        responseLengths,
      };
      let flat: tf.Tensor2D = tf.zeros([0, 1]);
      if (scored > 0) {
        const headKernel = head();
        const perToken = tokenLogProbs(embeddingLookup(hidden, rows.scoredRows), headKernel, rows.targets, {
          headGradient: headKernel.trainable,
        });
        flat = tf.reshape(perToken, [scored, 1]) as tf.Tensor2D;
        const membership = tf.tensor2d(rows.membership, [batch, scored]);
        out.logps = tf.reshape(fastMatMul(membership, flat), [batch]) as tf.Tensor1D;
      }
      if (wantTokens) {
        const padded = tf.concat([flat, tf.zeros([1, 1])]) as tf.Tensor2D;
        const maskTensor = tf.tensor2d(rows.responseMask, [batch, maxResponse]);
        out.tokenLogps = tf.reshape(embeddingLookup(padded, rows.tokenIndex), [batch, maxResponse]) as tf.Tensor2D;
        out.responseMask = maskTensor;
      }
      if (wantHidden) {
        const width = arch.hiddenSize;
        const maskTensor = tf.tensor2d(rows.responsePositions, [batch * time, 1]);
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

  const allVariables = (): tf.Variable[] => [
    ...layout.weights.map((s) => get(s.name)),
    ...[...adapters.values()].flatMap((a) => [a.a, a.b]),
  ];

  const stateConfig = () => ({
    huggingFaceConfig: resolved.config,
    lora: lora ?? null,
  });

  const doSaveState = (): PolicyStateV1 & { readonly kind: typeof huggingFacePolicyKind } => {
    ensureOpen();
    const saved: Record<string, { shape: number[]; values: Float32Array }> = {};
    const put = (name: string, v: tf.Variable) => {
      saved[name] = { shape: v.shape.slice(), values: Float32Array.from(v.dataSync() as Float32Array) };
    };
    if (lora) {
      // Under LoRA the base is frozen: the state holds only the adapters.
      for (const [module, adapter] of adapters) {
        put(`${module}.lora_A`, adapter.a);
        put(`${module}.lora_B`, adapter.b);
      }
    } else {
      for (const spec of layout.weights) put(spec.name, get(spec.name));
    }
    return { kind: huggingFacePolicyKind, config: stateConfig(), weights: saved };
  };

  const doLoadState = (state: PolicyStateV1): void => {
    ensureOpen();
    if (state.kind !== huggingFacePolicyKind) {
      throw new PrefplayError({
        code: 'invalid-checkpoint',
        problem: `policy state of kind "${state.kind}" cannot be loaded into a Hugging Face policy`,
        where: { field: 'kind' },
        hint: 'Load it into a policy of the kind that saved it',
      });
    }
    const config = state.config as { huggingFaceConfig?: unknown; lora?: ResolvedLora | null } | null;
    const incoming = parseModelArchitecture(config?.huggingFaceConfig, 'policy state config.huggingFaceConfig');
    const keys = Object.keys(arch) as (keyof ModelArchitecture)[];
    for (const key of keys) {
      if (JSON.stringify(arch[key]) !== JSON.stringify(incoming[key])) {
        throw new PrefplayError({
          code: 'invalid-checkpoint',
          problem: `the state is of another architecture: ${key} is ${JSON.stringify(incoming[key])}, the policy has ${JSON.stringify(arch[key])}`,
          where: { field: `config.huggingFaceConfig` },
          hint: 'Load the state into a policy made from the same model folder',
        });
      }
    }
    const incomingLora = config?.lora ?? null;
    if (
      (incomingLora === null) !== (lora === undefined) ||
      (lora && incomingLora && (lora.r !== incomingLora.r || lora.modules.join() !== incomingLora.modules?.join()))
    ) {
      throw new PrefplayError({
        code: 'invalid-checkpoint',
        problem: `the state's LoRA settings (${incomingLora ? `r ${incomingLora.r} on ${incomingLora.modules?.length} modules` : 'none'}) differ from the policy's (${lora ? `r ${lora.r} on ${lora.modules.length} modules` : 'none'})`,
        where: { field: 'config.lora' },
        hint: 'Load the policy with the LoRA options the state was saved with',
      });
    }
    const targets = new Map<string, tf.Variable>();
    if (lora) {
      for (const [module, adapter] of adapters) {
        targets.set(`${module}.lora_A`, adapter.a);
        targets.set(`${module}.lora_B`, adapter.b);
      }
    } else {
      for (const spec of layout.weights) targets.set(spec.name, get(spec.name));
    }
    // Check everything before assigning anything, so a bad state leaves the policy unchanged.
    for (const [name, variable] of targets) {
      const entry = state.weights[name];
      if (!entry || entry.shape.join(',') !== variable.shape.join(',') || entry.values.length !== variable.size) {
        throw new PrefplayError({
          code: 'invalid-checkpoint',
          problem: entry
            ? `weight ${name} has shape [${entry.shape.join(', ')}]; expected [${variable.shape.join(', ')}]`
            : `weight ${name} is missing from the state`,
          where: { field: `weights.${name}` },
          hint: 'The state was saved from another model or is truncated; save it again',
        });
      }
    }
    for (const [name, variable] of targets) {
      const fresh = tf.tensor((state.weights[name] as { values: Float32Array }).values, variable.shape, 'float32');
      variable.assign(fresh);
      fresh.dispose();
    }
  };

  const policy: HuggingFacePolicy = {
    specificationVersion: 'v1',
    policyId,
    vocabSize: arch.vocabSize,
    maxSequenceLength: arch.maxSequenceLength,
    ...(eosTokenId !== undefined ? { eosTokenId, eosTokenIds } : {}),
    architecture: arch,
    config: resolved.config,
    layout,
    weights: variables,
    adapters,
    lora,
    numParameters: allVariables().reduce((sum, v) => sum + v.size, 0),
    doForward,
    trainableVariables: () => {
      if (!trainable || disposed) return [];
      return lora ? [...adapters.values()].flatMap((a) => [a.a, a.b]) : layout.weights.map((s) => get(s.name));
    },
    doSnapshot(): HuggingFacePolicy {
      ensureOpen();
      const clone = (v: tf.Variable) => {
        const variable = tf.variable(v, false);
        return variable;
      };
      const frozenAdapters = new Map<string, LoraAdapter>();
      for (const [module, adapter] of adapters) {
        frozenAdapters.set(module, { module: adapter.module, a: clone(adapter.a), b: clone(adapter.b) });
      }
      let snapshotBase: SharedBase;
      if (lora) {
        // The base is frozen and shared; only the adapters are copied.
        base.users += 1;
        snapshotBase = base;
      } else {
        snapshotBase = { variables: new Map([...variables].map(([name, v]) => [name, clone(v)])), users: 1 };
      }
      return buildPolicy({ ...parts, base: snapshotBase, adapters: frozenAdapters, trainable: false });
    },
    doSaveState,
    doLoadState,
    doBeginDecoding(options) {
      ensureOpen();
      return beginCachedDecoding(
        {
          vocabSize: arch.vocabSize,
          maxSequenceLength: arch.maxSequenceLength,
          forward: (input) => {
            const out = modelForward(arch, modelWeights(false), input);
            const last = tf.gather(out.hidden, tf.tensor1d(input.logitRows, 'int32')) as tf.Tensor2D;
            return { logits: fastMatMul(last, head()), present: out.present };
          },
        },
        options,
      );
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const adapter of adapters.values()) tf.dispose([adapter.a, adapter.b]);
      base.users -= 1;
      if (base.users === 0) for (const v of variables.values()) v.dispose();
    },
  };
  return policy;
}
