import { configureWasmKernels } from '@prefplay/backend-wasm-kernels';
import { PrefplayError } from '@prefplay/core';
import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHuggingFacePolicy, type HuggingFacePolicy } from './hugging-face-policy.js';
import { storedModelTensors } from './stored-tensors.js';

beforeAll(async () => {
  await useTestBackend();
});

const llamaConfig = {
  model_type: 'llama',
  vocab_size: 23,
  hidden_size: 8,
  intermediate_size: 12,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 16,
  eos_token_id: 1,
};
const gpt2Config = { model_type: 'gpt2', vocab_size: 19, n_embd: 8, n_layer: 2, n_head: 2, n_positions: 16 };
const batch = {
  prompts: [[1, 5, 7], [2], [3, 4, 9, 11, 6]],
  responses: [[8, 2, 13], [4, 4, 4, 4, 17], [10]],
};

function score(policy: HuggingFacePolicy) {
  return tf.tidy(() => {
    const out = policy.doForward({ ...batch, outputs: { tokenLogps: true, hidden: true } });
    return {
      logps: Array.from(out.logps.dataSync()),
      tokens: Array.from(out.tokenLogps?.dataSync() ?? []),
      hidden: Array.from(out.hidden?.dataSync() ?? []),
    };
  });
}

const lossOf = (policy: HuggingFacePolicy) => () => tf.neg(tf.sum(policy.doForward(batch).logps)) as tf.Scalar;

function gradientsOf(policy: HuggingFacePolicy, variables: tf.Variable[]): Map<tf.Variable, number[]> {
  const { grads } = tf.variableGrads(lossOf(policy), variables);
  const out = new Map<tf.Variable, number[]>();
  for (const v of variables) out.set(v, Array.from((grads[v.name] as tf.Tensor).dataSync()));
  tf.dispose(Object.values(grads));
  return out;
}

/** Sets every adapter to seeded non-zero values. */
function randomiseAdapters(policy: HuggingFacePolicy, seed: number): void {
  let s = seed;
  for (const adapter of policy.adapters.values()) {
    for (const v of [adapter.a, adapter.b]) {
      const values = Float32Array.from({ length: v.size }, () => {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        return (s / 2 ** 32 - 0.5) * 0.6;
      });
      const fresh = tf.tensor(values, v.shape);
      v.assign(fresh);
      fresh.dispose();
    }
  }
}

describe.each([
  ['llama', llamaConfig, 'model.layers.0.self_attn.q_proj'],
  ['gpt2', gpt2Config, 'transformer.h.0.attn.c_attn'],
] as const)('LoRA on %s', (_, config, firstTarget) => {
  const base = () => createHuggingFacePolicy({ config, seed: 5, initStd: 0.3 });
  const lora = (options = {}) =>
    createHuggingFacePolicy({ config, seed: 5, initStd: 0.3, lora: { r: 3, alpha: 6, ...options } });

  it('with zero-initialised B scores exactly like its base', () => {
    const plain = base();
    const adapted = lora({ targetModules: 'all-linear' });
    expect([...adapted.adapters.keys()]).toContain(firstTarget);
    expect(score(adapted)).toEqual(score(plain));
    plain.dispose();
    adapted.dispose();
  });

  it('trains only the adapters; their gradients are the chain rule of the full weight gradient', () => {
    const plain = base();
    const adapted = lora();
    const adapter = adapted.adapters.get(firstTarget);
    if (!adapter) throw new Error('no adapter');
    const trainable = adapted.trainableVariables();
    expect(trainable).toHaveLength(2 * adapted.adapters.size);
    expect(new Set(trainable)).toEqual(new Set([...adapted.adapters.values()].flatMap((a) => [a.a, a.b])));
    expect([...adapted.weights.values()].every((v) => !v.trainable)).toBe(true);
    const kernel = plain.weights.get(adapter.module.weight) as tf.Variable;
    const scaling = 6 / 3;
    // At B = 0: dL/dB = s·Aᵀ·dL/dW and dL/dA = 0, with dL/dW the full model's kernel gradient.
    const full = gradientsOf(plain, [kernel]).get(kernel) as number[];
    const grads = gradientsOf(adapted, [adapter.a, adapter.b]);
    const expectedB = tf.tidy(() =>
      tf.mul(tf.matMul(adapter.a, tf.tensor(full, kernel.shape), true, false), scaling).dataSync(),
    );
    assertClose(grads.get(adapter.b) as number[], expectedB, { atol: 1e-4, rtol: 1e-3 });
    expect((grads.get(adapter.a) as number[]).every((g) => g === 0)).toBe(true);
    // At B ≠ 0: dL/dA = s·dL/dW′·Bᵀ at the merged weights W′ = W + s·A·B.
    randomiseAdapters(adapted, 3);
    const merged = createHuggingFacePolicy({
      config,
      weights: new Map(storedModelTensors(adapted, { merge: true }).map((t) => [t.name, t.values()])),
    });
    const mergedKernel = merged.weights.get(adapter.module.weight) as tf.Variable;
    const fullMerged = gradientsOf(merged, [mergedKernel]).get(mergedKernel) as number[];
    const expectedA = tf.tidy(() =>
      tf.mul(tf.matMul(tf.tensor(fullMerged, mergedKernel.shape), adapter.b, false, true), scaling).dataSync(),
    );
    assertClose(gradientsOf(adapted, [adapter.a]).get(adapter.a) as number[], expectedA, { atol: 1e-4, rtol: 1e-3 });
    // The merged model scores like the adapted one.
    assertClose(score(merged).logps, score(adapted).logps, { atol: 1e-4, rtol: 1e-5 });
    // An optimiser step moves the adapters and leaves every base weight bit for bit as it was.
    const before = [...adapted.weights.values()].map((v) => Array.from(v.dataSync()));
    const adapterBefore = Array.from(adapter.b.dataSync());
    const optimizer = tf.train.adam(0.01);
    optimizer.minimize(lossOf(adapted), false, adapted.trainableVariables() as tf.Variable[]);
    optimizer.dispose();
    expect([...adapted.weights.values()].map((v) => Array.from(v.dataSync()))).toEqual(before);
    expect(Array.from(adapter.b.dataSync())).not.toEqual(adapterBefore);
    for (const p of [plain, adapted, merged]) p.dispose();
  });

  it('snapshots copy only the adapters and stay fixed while the policy trains', () => {
    const adapted = lora();
    randomiseAdapters(adapted, 9);
    const before = tf.memory().numTensors;
    const snapshot = adapted.doSnapshot();
    // Each adapter pair is copied (2 tensors per adapter); the base is shared.
    expect(tf.memory().numTensors - before).toBe(2 * adapted.adapters.size);
    for (const [name, variable] of adapted.weights) expect(snapshot.weights.get(name)).toBe(variable);
    expect(snapshot.trainableVariables()).toEqual([]);
    const reference = score(snapshot);
    const optimizer = tf.train.sgd(0.5);
    optimizer.minimize(lossOf(adapted), false, adapted.trainableVariables() as tf.Variable[]);
    optimizer.dispose();
    expect(score(adapted).logps).not.toEqual(reference.logps);
    expect(score(snapshot)).toEqual(reference);
    // The base outlives the policy while a snapshot uses it.
    adapted.dispose();
    expect(score(snapshot)).toEqual(reference);
    snapshot.dispose();
    expect(tf.memory().numTensors).toBe(before - 2 * adapted.adapters.size - adapted.weights.size);
  });
});

describe.each([
  ['llama', llamaConfig],
  ['gpt2', gpt2Config],
] as const)('Hugging Face policy on the wasm kernels (%s)', (_, config) => {
  it('scores and trains like plain tfjs ops: log-probs and every weight gradient', () => {
    const policy = createHuggingFacePolicy({ config, seed: 9, initStd: 0.3 });
    const variables = policy.trainableVariables() as tf.Variable[];
    const run = () => ({ scored: score(policy), gradients: gradientsOf(policy, variables) });
    const fused = run();
    configureWasmKernels({ enabled: false });
    const plain = run();
    configureWasmKernels({});
    assertClose(fused.scored.logps, plain.scored.logps, { atol: 1e-5 });
    assertClose(fused.scored.tokens, plain.scored.tokens, { atol: 1e-5 });
    for (const v of variables) assertClose(fused.gradients.get(v) ?? [], plain.gradients.get(v) ?? [], { atol: 1e-5 });
    policy.dispose();
  });
});

describe('Hugging Face policy', () => {
  it('applies LoRA dropout only while gradients are recorded, reproducibly from the seed', () => {
    const make = (dropout: number) =>
      createHuggingFacePolicy({ config: llamaConfig, seed: 5, initStd: 0.3, lora: { r: 2, dropout, seed: 4 } });
    const plain = make(0);
    const dropped = make(0.5);
    randomiseAdapters(plain, 1);
    randomiseAdapters(dropped, 1);
    expect(score(dropped)).toEqual(score(plain));
    const inGradient = (policy: HuggingFacePolicy) => {
      let logps: number[] = [];
      const { grads } = tf.variableGrads(() => {
        const out = policy.doForward(batch).logps;
        logps = Array.from(out.dataSync());
        return tf.sum(out) as tf.Scalar;
      }, policy.trainableVariables() as tf.Variable[]);
      tf.dispose(Object.values(grads));
      return logps;
    };
    expect(inGradient(plain)).toEqual(score(plain).logps);
    const first = inGradient(dropped);
    expect(first).not.toEqual(score(plain).logps);
    const again = make(0.5);
    randomiseAdapters(again, 1);
    expect(inGradient(again)).toEqual(first);
    for (const p of [plain, dropped, again]) p.dispose();
  });

  it.each([
    ['llama full', llamaConfig, undefined],
    ['gpt2 full', gpt2Config, undefined],
    ['llama LoRA with dropout', llamaConfig, { r: 2, dropout: 0.3, targetModules: 'all-linear', seed: 1 }],
  ] as const)('gradient checkpointing gives the plain backward pass’s gradients (%s)', (_, config, lora) => {
    const make = (gradientCheckpointing: boolean) => {
      const policy = createHuggingFacePolicy({
        config,
        seed: 5,
        initStd: 0.3,
        gradientCheckpointing,
        ...(lora ? { lora } : {}),
      });
      if (lora) randomiseAdapters(policy, 2);
      return policy;
    };
    const [plain, checked] = [make(false), make(true)];
    const a = gradientsOf(plain, plain.trainableVariables() as tf.Variable[]);
    const b = gradientsOf(checked, checked.trainableVariables() as tf.Variable[]);
    const flat = (m: Map<tf.Variable, number[]>) => [...m.values()].flat();
    expect(flat(a).some((g) => g !== 0)).toBe(true);
    assertClose(flat(b), flat(a), { atol: 1e-5, rtol: 1e-4 });
    plain.dispose();
    checked.dispose();
  });

  it('full fine-tuning trains every weight and snapshots stay fixed', () => {
    const policy = createHuggingFacePolicy({ config: gpt2Config, seed: 2, initStd: 0.3 });
    expect(policy.trainableVariables()).toHaveLength(policy.weights.size);
    expect(policy.numParameters).toBe([...policy.weights.values()].reduce((n, v) => n + v.size, 0));
    const snapshot = policy.doSnapshot();
    const reference = score(snapshot);
    const optimizer = tf.train.sgd(0.1);
    optimizer.minimize(lossOf(policy), false, policy.trainableVariables() as tf.Variable[]);
    optimizer.dispose();
    expect(score(policy).logps).not.toEqual(reference.logps);
    expect(score(snapshot)).toEqual(reference);
    policy.dispose();
    snapshot.dispose();
  });

  it('saves and loads LoRA state (adapters only) and full state, refusing other shapes', () => {
    const source = createHuggingFacePolicy({ config: llamaConfig, seed: 5, initStd: 0.3, lora: { r: 2 } });
    randomiseAdapters(source, 7);
    const state = source.doSaveState();
    expect(Object.keys(state.weights)).toEqual(
      [...source.adapters.keys()].flatMap((m) => [`${m}.lora_A`, `${m}.lora_B`]),
    );
    const target = createHuggingFacePolicy({ config: llamaConfig, seed: 5, initStd: 0.3, lora: { r: 2 } });
    target.doLoadState(state);
    expect(score(target)).toEqual(score(source));
    const otherRank = createHuggingFacePolicy({ config: llamaConfig, seed: 5, initStd: 0.3, lora: { r: 3 } });
    expect(() => otherRank.doLoadState(state)).toThrow(
      /LoRA settings \(r 2 on 4 modules\) differ from the policy's \(r 3 on 4 modules\)/,
    );
    const full = createHuggingFacePolicy({ config: llamaConfig, seed: 6, initStd: 0.3 });
    const fullState = full.doSaveState();
    expect(Object.keys(fullState.weights)).toHaveLength(full.weights.size);
    const other = createHuggingFacePolicy({ config: llamaConfig, seed: 7, initStd: 0.3 });
    other.doLoadState(fullState);
    expect(score(other)).toEqual(score(full));
    const wider = createHuggingFacePolicy({ config: { ...llamaConfig, intermediate_size: 16 }, seed: 1 });
    expect(() => wider.doLoadState(fullState)).toThrow(/intermediateSize is 12, the policy has 16/);
    for (const p of [source, target, otherRank, full, other, wider]) p.dispose();
  });

  it('resolves PEFT target_modules: defaults, names, a regular expression, all-linear; names the layers otherwise', () => {
    const modules = (options: object, config: Record<string, unknown> = llamaConfig) => {
      const policy = createHuggingFacePolicy({ config, lora: options });
      const names = [...policy.adapters.keys()];
      policy.dispose();
      return names;
    };
    expect(modules({})).toEqual([
      'model.layers.0.self_attn.q_proj',
      'model.layers.0.self_attn.v_proj',
      'model.layers.1.self_attn.q_proj',
      'model.layers.1.self_attn.v_proj',
    ]);
    expect(modules({}, gpt2Config)).toEqual(['transformer.h.0.attn.c_attn', 'transformer.h.1.attn.c_attn']);
    expect(modules({ targetModules: ['down_proj'] })).toEqual([
      'model.layers.0.mlp.down_proj',
      'model.layers.1.mlp.down_proj',
    ]);
    expect(modules({ targetModules: 'model\\.layers\\.1\\..*_proj' })).toHaveLength(7);
    expect(modules({ targetModules: 'all-linear' })).toHaveLength(14);
    expect(() => modules({ targetModules: ['query'] })).toThrow(
      /match no linear layer of this llama model.*named q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj/,
    );
    expect(() => modules({ rank: 4 })).toThrow(PrefplayError);
  });

  it('rejects unsupported settings with the field and what is supported', () => {
    expect(() => createHuggingFacePolicy({ config: { ...llamaConfig, hidden_act: 'gelu' } })).toThrow(
      /field "hidden_act": hidden_act "gelu" is not supported/,
    );
    expect(() =>
      createHuggingFacePolicy({ config: { ...llamaConfig, rope_scaling: { rope_type: 'yarn', factor: 4 } } }),
    ).toThrow(
      /rope_scaling type "yarn" is not supported. Supported rope scalings: none \(default\), linear and llama3/,
    );
    expect(() => createHuggingFacePolicy({ config: { ...gpt2Config, activation_function: 'relu' } })).toThrow(
      /activation_function "relu" is not supported/,
    );
    expect(() => createHuggingFacePolicy({ config: { ...llamaConfig, num_key_value_heads: 3 } })).toThrow(
      /num_key_value_heads 3 does not divide num_attention_heads 4/,
    );
    expect(() => createHuggingFacePolicy({ config: { model_type: 'llama' } })).toThrow(/invalid llama config/);
  });

  it('reports one or several end tokens to samplers and rejects ids outside the vocabulary', () => {
    const single = createHuggingFacePolicy({ config: llamaConfig });
    expect([single.eosTokenId, single.eosTokenIds]).toEqual([1, [1]]);
    const listed = createHuggingFacePolicy({ config: { ...llamaConfig, eos_token_id: [2, 1, 2] } });
    expect([listed.eosTokenId, listed.eosTokenIds]).toEqual([2, [2, 1]]);
    const chosen = createHuggingFacePolicy({ config: llamaConfig, eosTokenId: [5, 3] });
    expect([chosen.eosTokenId, chosen.eosTokenIds]).toEqual([5, [5, 3]]);
    const none = createHuggingFacePolicy({ config: gpt2Config });
    expect([none.eosTokenId, none.eosTokenIds]).toEqual([undefined, undefined]);
    for (const policy of [single, listed, chosen, none]) policy.dispose();
    const errorOf = (run: () => unknown): PrefplayError => {
      try {
        run();
      } catch (error) {
        if (PrefplayError.isInstance(error)) return error;
        throw error;
      }
      throw new Error('expected an error');
    };
    const option = errorOf(() => createHuggingFacePolicy({ config: llamaConfig, eosTokenId: [1, 23] }));
    expect(option.code).toBe('invalid-options');
    expect(option.where.field).toBe('eosTokenId[1]');
    expect(option.problem).toMatch(/outside the vocabulary of 23 tokens/);
    expect(errorOf(() => createHuggingFacePolicy({ config: llamaConfig, eosTokenId: [] })).where.field).toBe(
      'eosTokenId',
    );
    const inConfig = errorOf(() =>
      createHuggingFacePolicy({ config: { ...llamaConfig, eos_token_id: [] }, configFile: 'm/config.json' }),
    );
    expect(inConfig.code).toBe('invalid-config');
    expect(inConfig.where).toMatchObject({ file: 'm/config.json', field: 'eos_token_id' });
  });

  it('caps the context at the sliding window where one applies', () => {
    const mistral = createHuggingFacePolicy({
      config: { ...llamaConfig, model_type: 'mistral', sliding_window: 8 },
    });
    expect(mistral.maxSequenceLength).toBe(8);
    const qwen = createHuggingFacePolicy({ config: { ...llamaConfig, model_type: 'qwen2', sliding_window: 8 } });
    expect(qwen.maxSequenceLength).toBe(16);
    expect(qwen.weights.has('model.layers.0.self_attn.q_proj.bias')).toBe(true);
    expect(qwen.weights.has('model.layers.0.self_attn.o_proj.bias')).toBe(false);
    mistral.dispose();
    qwen.dispose();
  });

  it('does not leak tensors when scoring with a full head gradient', async () => {
    const policy = createHuggingFacePolicy({ config: gpt2Config, seed: 2 });
    await assertNoLeaks(
      () => tf.variableGrads(lossOf(policy), policy.trainableVariables() as tf.Variable[]),
      'full gradient',
    );
    policy.dispose();
  });
});
