import { configureWasmKernels } from '@prefplay/backend-wasm-kernels';
import type { PolicyStateV1 } from '@prefplay/core';
import { PrefplayError } from '@prefplay/core';
import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { restorePolicy } from './restore-policy.js';
import { createTransformerPolicy, type TransformerPolicy } from './transformer-policy.js';

beforeAll(async () => {
  await useTestBackend();
});

const tiny = { vocabSize: 11, dModel: 8, numLayers: 2, numHeads: 2, maxSequenceLength: 12, seed: 7, initStd: 0.3 };

// ---------------------------------------------------------------------------------------------
// An independent float64 implementation of the same architecture, written with plain loops from
// the saved weights, to check the tfjs forward pass (log-probs and pooled hidden states).
type Weights = PolicyStateV1['weights'];
function referenceScore(
  weights: Weights,
  config: { dModel: number; numLayers: number; numHeads: number; tiedEmbeddings?: boolean; vocabSize: number },
  prompt: number[],
  response: number[],
): { logps: number; tokenLogps: number[]; hidden: number[] } {
  const w = (name: string) => Array.from((weights[name] as { values: Float32Array }).values);
  const d = config.dModel;
  const matVec = (x: number[], kernel: number[], bias: number[] | undefined, outWidth: number) => {
    const out = new Array<number>(outWidth).fill(0);
    for (let i = 0; i < x.length; i++) for (let j = 0; j < outWidth; j++) out[j]! += x[i]! * kernel[i * outWidth + j]!;
    if (bias) for (let j = 0; j < outWidth; j++) out[j]! += bias[j]!;
    return out;
  };
  const norm = (x: number[], gamma: number[], beta: number[]) => {
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * gamma[i]! + beta[i]!);
  };
  const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  const seq = [...prompt, ...response];
  const tokenEmbedding = w('tokenEmbedding');
  const positionEmbedding = w('positionEmbedding');
  let x = seq.map((token, t) =>
    Array.from({ length: d }, (_, i) => tokenEmbedding[token * d + i]! + positionEmbedding[t * d + i]!),
  );
  const headSize = d / config.numHeads;
  for (let l = 0; l < config.numLayers; l++) {
    const p = `blocks.${l}`;
    const qkv = x.map((row) =>
      matVec(
        norm(row, w(`${p}.norm1.gamma`), w(`${p}.norm1.beta`)),
        w(`${p}.attention.qkv.kernel`),
        w(`${p}.attention.qkv.bias`),
        3 * d,
      ),
    );
    const attended = qkv.map((_, t) => {
      const out = new Array<number>(d).fill(0);
      for (let h = 0; h < config.numHeads; h++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let i = 0; i < headSize; i++) dot += qkv[t]![h * headSize + i]! * qkv[s]![d + h * headSize + i]!;
          scores.push(dot / Math.sqrt(headSize));
        }
        const max = Math.max(...scores);
        const exps = scores.map((v) => Math.exp(v - max));
        const total = exps.reduce((a, b) => a + b, 0);
        exps.forEach((e, s) => {
          for (let i = 0; i < headSize; i++) out[h * headSize + i]! += (e / total) * qkv[s]![2 * d + h * headSize + i]!;
        });
      }
      return out;
    });
    x = x.map((row, t) => {
      const projected = matVec(attended[t]!, w(`${p}.attention.output.kernel`), w(`${p}.attention.output.bias`), d);
      const mid = row.map((v, i) => v + projected[i]!);
      const inner = matVec(
        norm(mid, w(`${p}.norm2.gamma`), w(`${p}.norm2.beta`)),
        w(`${p}.mlp.input.kernel`),
        w(`${p}.mlp.input.bias`),
        4 * d,
      ).map(gelu);
      const mlp = matVec(inner, w(`${p}.mlp.output.kernel`), w(`${p}.mlp.output.bias`), d);
      return mid.map((v, i) => v + mlp[i]!);
    });
  }
  const final = x.map((row) => norm(row, w('finalNorm.gamma'), w('finalNorm.beta')));
  const v = config.vocabSize;
  const head =
    config.tiedEmbeddings === false
      ? w('head.kernel')
      : Array.from({ length: d * v }, (_, k) => tokenEmbedding[(k % v) * d + Math.floor(k / v)]!);
  const tokenLogps = response.map((token, j) => {
    const logits = matVec(final[prompt.length - 1 + j]!, head, undefined, v);
    const max = Math.max(...logits);
    const lse = max + Math.log(logits.reduce((s, z) => s + Math.exp(z - max), 0));
    return logits[token]! - lse;
  });
  const hidden = new Array<number>(d).fill(0);
  for (let t = prompt.length; t < seq.length; t++)
    for (let i = 0; i < d; i++) hidden[i]! += final[t]![i]! / response.length;
  return { logps: tokenLogps.reduce((a, b) => a + b, 0), tokenLogps, hidden };
}
// ---------------------------------------------------------------------------------------------

const prompts = [[1, 4, 2], [1], [1, 9, 9, 3, 5]];
const responses = [[6, 7, 2], [3, 3, 8, 10, 2], [4]];

function scores(policy: TransformerPolicy, p = prompts, r = responses): number[] {
  return tf.tidy(() => Array.from(policy.doForward({ prompts: p, responses: r }).logps.dataSync()));
}

describe('createTransformerPolicy forward', () => {
  for (const tiedEmbeddings of [true, false]) {
    it(`matches an independent float64 implementation (tiedEmbeddings ${tiedEmbeddings})`, () => {
      const policy = createTransformerPolicy({ ...tiny, tiedEmbeddings });
      const state = policy.doSaveState();
      const out = policy.doForward({ prompts, responses, outputs: { tokenLogps: true, hidden: true } });
      const expected = prompts.map((p, b) =>
        referenceScore(state.weights, { ...tiny, tiedEmbeddings }, p, responses[b]!),
      );
      assertClose(
        out.logps,
        expected.map((e) => e.logps),
        { atol: 1e-4 },
      );
      assertClose(
        out.hidden!,
        expected.map((e) => e.hidden),
        { atol: 1e-4 },
      );
      const padded = expected.map((e) => [...e.tokenLogps, ...new Array<number>(5 - e.tokenLogps.length).fill(0)]);
      assertClose(out.tokenLogps!, padded, { atol: 1e-4 });
      assertClose(
        out.responseMask!,
        padded.map((row, b) => row.map((_, j) => (j < responses[b]!.length ? 1 : 0))),
      );
      expect(out.responseLengths).toEqual([3, 5, 1]);
      tf.dispose([out.logps, out.tokenLogps!, out.responseMask!, out.hidden!]);
      policy.dispose();
    });
  }

  it('gives a row alone the same results as in a right-padded batch', () => {
    const policy = createTransformerPolicy(tiny);
    const batch = policy.doForward({ prompts, responses, outputs: { tokenLogps: true, hidden: true } });
    prompts.forEach((prompt, b) => {
      const alone = policy.doForward({
        prompts: [prompt],
        responses: [responses[b]!],
        outputs: { tokenLogps: true, hidden: true },
      });
      const n = responses[b]!.length;
      assertClose(alone.logps, [batch.logps.dataSync()[b]!], { atol: 1e-5, label: `row ${b} logps` });
      assertClose(alone.hidden!, tf.slice(batch.hidden!, [b, 0], [1, tiny.dModel]), {
        atol: 1e-5,
        label: `row ${b} hidden`,
      });
      assertClose(alone.tokenLogps!, tf.slice(batch.tokenLogps!, [b, 0], [1, n]), {
        atol: 1e-5,
        label: `row ${b} tokens`,
      });
    });
    policy.dispose();
  });

  it('conditions on the prompt but scores only response tokens', () => {
    const policy = createTransformerPolicy(tiny);
    const base = scores(policy, [[1, 4, 2]], [[6, 7]]);
    const changedPrompt = scores(policy, [[1, 5, 2]], [[6, 7]]);
    expect(Math.abs(base[0]! - changedPrompt[0]!)).toBeGreaterThan(1e-4);
    // Moving a token from the response into the prompt removes exactly its log-prob from the sum.
    const out = policy.doForward({ prompts: [[1, 4, 2]], responses: [[6, 7]], outputs: { tokenLogps: true } });
    const shifted = scores(policy, [[1, 4, 2, 6]], [[7]]);
    assertClose(shifted, [out.tokenLogps!.dataSync()[1]!], { atol: 1e-5 });
    expect(scores(policy, [[1, 4, 2]], [[]])).toEqual([0]);
    policy.dispose();
  });

  it('rejects a prompt + response longer than maxSequenceLength, naming the fix', () => {
    const policy = createTransformerPolicy(tiny);
    const call = () => policy.doForward({ prompts: [[1, 2, 3, 4, 5, 6, 7]], responses: [[1, 2, 3, 4, 5, 6]] });
    expect(call).toThrow(PrefplayError);
    expect(call).toThrow(/13 tokens, longer than the policy's maxSequenceLength 12/);
    expect(call).toThrow(/larger maxSequenceLength/);
    expect(() => policy.doForward({ prompts: [[1]], responses: [[11]] })).toThrow(/token 11/);
    policy.dispose();
  });

  it('validates its config, naming the field', () => {
    expect(() => createTransformerPolicy({ ...tiny, numHeads: 3 })).toThrow(/numHeads/);
    expect(() => createTransformerPolicy({ ...tiny, vocabSize: 0 })).toThrow(/vocabSize/);
  });

  it('initialises reproducibly from the seed', () => {
    const a = createTransformerPolicy(tiny);
    const b = createTransformerPolicy(tiny);
    const c = createTransformerPolicy({ ...tiny, seed: 8 });
    expect(scores(a)).toEqual(scores(b));
    expect(scores(a)).not.toEqual(scores(c));
    for (const p of [a, b, c]) p.dispose();
  });
});

describe('createTransformerPolicy gradients', () => {
  const loss = (policy: TransformerPolicy) =>
    tf.sum(policy.doForward({ prompts, responses, outputs: { hidden: true } }).logps) as tf.Scalar;
  const lossValue = (policy: TransformerPolicy) => tf.tidy(() => loss(policy).dataSync()[0]!);

  it('match central finite differences on single weights and along a random direction', () => {
    const policy = createTransformerPolicy({ ...tiny, tiedEmbeddings: false });
    const variables = policy.trainableVariables();
    const { grads } = tf.variableGrads(() => loss(policy), variables as tf.Variable[]);
    const byName = new Map<string, Float32Array>();
    for (const [name, variable] of policy.weights) byName.set(name, grads[variable.name]!.dataSync() as Float32Array);
    const epsilon = 1e-2;
    const nudge = (variable: tf.Variable, delta: Float32Array) => {
      const moved = tf.tidy(() => tf.add(variable, tf.tensor(delta, variable.shape)));
      variable.assign(moved);
      moved.dispose();
    };
    const probes: [string, number][] = [
      ['tokenEmbedding', 3 * 8 + 2],
      ['positionEmbedding', 1 * 8 + 5],
      ['blocks.0.attention.qkv.kernel', 7 * 24 + 1],
      ['blocks.1.attention.qkv.kernel', 3 * 24 + 13],
      ['blocks.0.mlp.input.kernel', 17],
      ['blocks.1.norm2.gamma', 4],
      ['finalNorm.beta', 6],
      ['head.kernel', 5 * 11 + 7],
    ];
    for (const [name, index] of probes) {
      const variable = policy.weights.get(name)!;
      const delta = new Float32Array(variable.size);
      delta[index] = epsilon;
      nudge(variable, delta);
      const up = lossValue(policy);
      delta[index] = -2 * epsilon;
      nudge(variable, delta);
      const down = lossValue(policy);
      delta[index] = epsilon;
      nudge(variable, delta);
      const numeric = (up - down) / (2 * epsilon);
      const analytic = byName.get(name)![index]!;
      expect(Math.abs(numeric - analytic), `${name}[${index}]: ${analytic} vs ${numeric}`).toBeLessThan(
        2e-3 + 2e-2 * Math.abs(numeric),
      );
    }
    // Directional derivative along a random unit direction over every weight.
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    const directions = new Map<string, Float32Array>();
    let squared = 0;
    for (const [name, variable] of policy.weights) {
      const u = Float32Array.from({ length: variable.size }, random);
      for (const v of u) squared += v * v;
      directions.set(name, u);
    }
    let analytic = 0;
    for (const [name, u] of directions) {
      const scale = 1 / Math.sqrt(squared);
      const g = byName.get(name)!;
      for (let i = 0; i < u.length; i++) {
        u[i] = u[i]! * scale;
        analytic += g[i]! * u[i]!;
      }
    }
    const move = (factor: number) => {
      for (const [name, u] of directions)
        nudge(
          policy.weights.get(name)!,
          u.map((v) => v * factor),
        );
    };
    move(epsilon);
    const up = lossValue(policy);
    move(-2 * epsilon);
    const down = lossValue(policy);
    move(epsilon);
    const numeric = (up - down) / (2 * epsilon);
    expect(Math.abs(numeric - analytic), `directional: ${analytic} vs ${numeric}`).toBeLessThan(
      5e-3 + 2e-2 * Math.abs(numeric),
    );
    tf.dispose(Object.values(grads));
    policy.dispose();
  });

  it('leaks no tensors over 100 forward/backward steps with Adam', async () => {
    const policy = createTransformerPolicy({ ...tiny, numLayers: 1 });
    const optimizer = tf.train.adam(1e-2);
    const step = () => {
      const cost = optimizer.minimize(
        () =>
          tf.neg(
            tf.sum(policy.doForward({ prompts: [[1, 2]], responses: [[3, 4]], outputs: { hidden: true } }).logps),
          ) as tf.Scalar,
        true,
        policy.trainableVariables() as tf.Variable[],
      );
      cost?.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 99; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    await assertNoLeaks(
      () => policy.doForward({ prompts, responses, outputs: { tokenLogps: true, hidden: true } }),
      'doForward',
    );
    optimizer.dispose();
    policy.dispose();
  });
});

describe('createTransformerPolicy snapshots and state', () => {
  it('snapshots are frozen copies', () => {
    const policy = createTransformerPolicy(tiny);
    const snapshot = policy.doSnapshot();
    const before = scores(snapshot);
    expect(snapshot.trainableVariables()).toHaveLength(0);
    const optimizer = tf.train.sgd(0.5);
    for (let i = 0; i < 3; i++) {
      optimizer.minimize(() => tf.neg(tf.sum(policy.doForward({ prompts, responses }).logps)) as tf.Scalar)?.dispose();
    }
    expect(scores(policy)).not.toEqual(before);
    expect(scores(snapshot)).toEqual(before);
    optimizer.dispose();
    snapshot.dispose();
    policy.dispose();
  });

  it('round-trips through doSaveState, restorePolicy and doLoadState', () => {
    const policy = createTransformerPolicy({ ...tiny, eosTokenId: 2, policyId: 'p' });
    const state = policy.doSaveState();
    expect(state.kind).toBe('transformer');
    expect(state.config).toMatchObject({ ...tiny, dFF: 32, tiedEmbeddings: true, eosTokenId: 2, policyId: 'p' });
    const restored = restorePolicy(state);
    expect(scores(restored)).toEqual(scores(policy));
    expect(restored.eosTokenId).toBe(2);
    const other = createTransformerPolicy({ ...tiny, seed: 99 });
    other.doLoadState(state);
    expect(scores(other)).toEqual(scores(policy));
    const wrong = createTransformerPolicy({ ...tiny, dModel: 4 });
    const untouched = scores(wrong);
    expect(() => wrong.doLoadState(state)).toThrow(/dModel/);
    const truncated = {
      ...state,
      weights: { ...state.weights, 'finalNorm.beta': { shape: [3], values: new Float32Array(3) } },
    };
    expect(() => other.doLoadState(truncated)).toThrow(/finalNorm.beta/);
    expect(scores(other)).toEqual(scores(policy));
    expect(scores(wrong)).toEqual(untouched);
    expect(() => other.doLoadState({ ...state, kind: 'tabular' })).toThrow(/kind "tabular"/);
    for (const p of [policy, restored, other, wrong]) p.dispose();
  });
});

describe('createTransformerPolicy decoding', () => {
  const decodePrompts = [[1, 4, 2], [1], [1, 9, 9, 3, 5]];
  const appended = [
    [6, 3, 4],
    [7, 3, 9],
    [2, 8, 4],
    [10, 3, 2],
  ];

  it('gives identical logits with and without the cache, and matches doForward scores', () => {
    const policy = createTransformerPolicy(tiny);
    const cached = policy.doBeginDecoding({ prompts: decodePrompts, useCache: true });
    const uncached = policy.doBeginDecoding({ prompts: decodePrompts, useCache: false });
    expect(cached.batchSize).toBe(3);
    const sums = [0, 0, 0];
    for (const tokens of appended) {
      const a = cached.doNextLogits();
      const b = uncached.doNextLogits();
      expect(a.shape).toEqual([3, tiny.vocabSize]);
      assertClose(a, b, { atol: 1e-4, rtol: 0 });
      const logSoftmax = tf.tidy(() => tf.logSoftmax(a).arraySync() as number[][]);
      tokens.forEach((token, row) => {
        sums[row]! += logSoftmax[row]![token]!;
      });
      tf.dispose([a, b]);
      cached.doAppend(tokens);
      uncached.doAppend(tokens);
    }
    const last = [cached.doNextLogits(), uncached.doNextLogits()];
    assertClose(last[0]!, last[1]!, { atol: 1e-4, rtol: 0 });
    tf.dispose(last);
    const forward = scores(
      policy,
      decodePrompts,
      decodePrompts.map((_, row) => appended.map((tokens) => tokens[row]!)),
    );
    assertClose(forward, sums, { atol: 1e-4 });
    cached.dispose();
    uncached.dispose();
    policy.dispose();
  });

  it('agrees with and without the cache when no row is padded', () => {
    const policy = createTransformerPolicy(tiny);
    const equal = [
      [1, 4, 2],
      [1, 9, 9],
    ];
    const cached = policy.doBeginDecoding({ prompts: equal, useCache: true });
    const uncached = policy.doBeginDecoding({ prompts: equal, useCache: false });
    for (const tokens of [
      [5, 6],
      [7, 8],
      [2, 2],
    ]) {
      const a = cached.doNextLogits();
      const b = uncached.doNextLogits();
      assertClose(a, b, { atol: 1e-4, rtol: 0 });
      tf.dispose([a, b]);
      cached.doAppend(tokens);
      uncached.doAppend(tokens);
    }
    // Several appends between reads: the cache catches up on all pending tokens at once.
    cached.doAppend([3, 4]);
    uncached.doAppend([3, 4]);
    cached.doAppend([9, 1]);
    uncached.doAppend([9, 1]);
    const a = cached.doNextLogits();
    const b = uncached.doNextLogits();
    assertClose(a, b, { atol: 1e-4, rtol: 0 });
    tf.dispose([a, b]);
    cached.dispose();
    uncached.dispose();
    policy.dispose();
  });

  it('frees its cache and stops at maxSequenceLength', async () => {
    const policy = createTransformerPolicy(tiny);
    await assertNoLeaks(() => {
      const session = policy.doBeginDecoding({ prompts: decodePrompts });
      for (let i = 0; i < 3; i++) {
        session.doNextLogits().dispose();
        session.doAppend([1, 2, 3]);
      }
      session.dispose();
    }, 'decoding session');
    const session = policy.doBeginDecoding({ prompts: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1]] });
    expect(() => session.doAppend([1])).toThrow(/maxSequenceLength 12/);
    expect(() => session.doAppend([1, 2])).toThrow(/2 tokens for a batch of 1/);
    session.dispose();
    policy.dispose();
  });
});

describe('createTransformerPolicy on the wasm kernels and on plain tfjs ops', () => {
  // Odd sizes: head size 4 of 3 heads, width 12, vocab 13, rows of 21 tokens (T not a tile multiple).
  const odd = { vocabSize: 13, dModel: 12, numLayers: 2, numHeads: 3, maxSequenceLength: 24, seed: 3, initStd: 0.4 };
  const prompts = [[1, 5, 2], [1], [1, 12, 0, 7]];
  const responses = [
    [3, 3, 9, 11, 2, 6, 8, 1, 4, 4, 10, 12, 0, 5, 7, 2, 9, 3],
    [6, 2],
    [8, 8, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 0, 1, 2, 3],
  ];
  const run = (enabled: boolean) => {
    configureWasmKernels({ enabled });
    const policy = createTransformerPolicy(odd);
    const variables = policy.trainableVariables() as tf.Variable[];
    const out = tf.tidy(() => {
      const forward = policy.doForward({ prompts, responses, outputs: { tokenLogps: true, hidden: true } });
      const { grads } = tf.variableGrads(
        () => tf.sum(policy.doForward({ prompts, responses }).logps) as tf.Scalar,
        variables,
      );
      return {
        logps: Array.from(forward.logps.dataSync()),
        tokenLogps: Array.from((forward.tokenLogps as tf.Tensor).dataSync()),
        hidden: Array.from((forward.hidden as tf.Tensor).dataSync()),
        grads: variables.map((v) => Array.from((grads[v.name] as tf.Tensor).dataSync())),
      };
    });
    const session = policy.doBeginDecoding({ prompts, useCache: true });
    const logits: number[][] = [];
    for (const tokens of [
      [4, 5, 6],
      [7, 8, 9],
      [10, 11, 12],
    ]) {
      const next = session.doNextLogits();
      logits.push(Array.from(next.dataSync()));
      next.dispose();
      session.doAppend(tokens);
    }
    session.dispose();
    policy.dispose();
    configureWasmKernels({});
    return { ...out, logits };
  };

  it('gives the same log-probs, hidden states, gradients and decoding logits', () => {
    const kernels = run(true);
    const plain = run(false);
    assertClose(kernels.logps, plain.logps, { atol: 1e-4, label: 'logps' });
    assertClose(kernels.tokenLogps, plain.tokenLogps, { atol: 1e-5, label: 'tokenLogps' });
    assertClose(kernels.hidden, plain.hidden, { atol: 1e-5, label: 'hidden' });
    kernels.grads.forEach((g, i) => {
      assertClose(g, plain.grads[i] as number[], { atol: 1e-4, rtol: 1e-3, label: `gradient ${i}` });
    });
    kernels.logits.forEach((l, i) => {
      assertClose(l, plain.logits[i] as number[], { atol: 1e-5, label: `decoding step ${i}` });
    });
  });
});
