import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from './backend.js';
import { checkGradient } from './finite-difference.js';
import { assertNoLeaks } from './leak-check.js';
import { mockPolicy } from './mock-policy.js';
import { assertClose } from './tensor-assertions.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('mockPolicy', () => {
  it('scores responses with the unigram closed form', () => {
    const policy = mockPolicy({ vocabSize: 3, seed: 1 });
    const logits = Array.from(policy.logits.dataSync());
    const lse = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
    const lp = (t: number) => (logits[t] as number) - lse;
    const out = policy.doForward({
      prompts: [[0], [1]],
      responses: [[0, 2], [1]],
      outputs: { hidden: true, tokenLogps: true },
    });
    assertClose(out.logps, [lp(0) + lp(2), lp(1)]);
    expect(out.responseLengths).toEqual([2, 1]);
    assertClose(out.responseMask!, [
      [1, 1],
      [1, 0],
    ]);
    const e = policy.embedding.arraySync() as number[][];
    assertClose(tf.slice(out.hidden!, [1, 0], [1, 4]), e[1]!);
    tf.dispose([out.logps, out.tokenLogps!, out.responseMask!, out.hidden!]);
    policy.dispose();
  });

  it('has a gradient that matches finite differences', () => {
    const policy = mockPolicy({ vocabSize: 4, seed: 2 });
    const f = (logits: tf.Tensor) => {
      policy.logits.assign(logits as tf.Tensor1D);
      return tf.sum(policy.doForward({ prompts: [[0]], responses: [[1, 3, 3]] }).logps) as tf.Scalar;
    };
    const x = policy.logits.clone();
    // gradient w.r.t. the variable through tf.variableGrads, compared with finite differences of f
    const { grads } = tf.variableGrads(
      () => tf.sum(policy.doForward({ prompts: [[0]], responses: [[1, 3, 3]] }).logps) as tf.Scalar,
      [policy.logits],
    );
    const numeric: number[] = [];
    const base = Array.from(x.dataSync());
    for (let i = 0; i < 4; i++) {
      const at = (d: number) => {
        const v = base.slice();
        v[i]! += d;
        return tf.tidy(() => f(tf.tensor1d(v)).dataSync()[0]!);
      };
      numeric.push((at(1e-2) - at(-1e-2)) / 2e-2);
    }
    assertClose(grads[policy.logits.name]!, numeric, { atol: 1e-3, rtol: 1e-2 });
    tf.dispose([x, ...Object.values(grads)]);
    policy.dispose();
  });

  it('snapshots are frozen copies and nothing leaks', async () => {
    const policy = mockPolicy({ vocabSize: 3 });
    const snapshot = policy.doSnapshot();
    expect(snapshot.trainableVariables()).toEqual([]);
    policy.logits.assign(tf.tensor1d([5, 0, 0]));
    const a = tf.tidy(() => policy.doForward({ prompts: [[0]], responses: [[0]] }).logps.dataSync()[0]!);
    const b = tf.tidy(() => snapshot.doForward({ prompts: [[0]], responses: [[0]] }).logps.dataSync()[0]!);
    expect(a).not.toBeCloseTo(b, 3);
    await assertNoLeaks(() =>
      policy.doForward({ prompts: [[0]], responses: [[0, 1]], outputs: { hidden: true, tokenLogps: true } }),
    );
    const before = tf.memory().numTensors;
    policy.doSnapshot().dispose();
    expect(tf.memory().numTensors).toBe(before);
    policy.dispose();
    snapshot.dispose();
  });
});

describe('checkGradient', () => {
  it('accepts a correct gradient and rejects a wrong one', () => {
    const x = tf.tensor1d([0.3, -0.7, 1.2]);
    expect(checkGradient((v) => tf.sum(tf.mul(v, v)), x).maxAbsError).toBeLessThan(1e-2);
    // the true gradient is 2v; this one returns v
    const wrong = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const v = args[0] as tf.Tensor;
      return { value: tf.sum(tf.mul(v, v)), gradFunc: (dy: tf.Tensor) => tf.mul(dy, v) };
    });
    expect(() => checkGradient((v) => wrong(v) as tf.Scalar, x)).toThrow(/gradient mismatch/);
    x.dispose();
  });
});

describe('assertClose', () => {
  it('passes within tolerance and fails outside it', () => {
    expect(() => assertClose([1, 2], [1, 2 + 1e-7])).not.toThrow();
    expect(() => assertClose([1, 2], [1, 2.1])).toThrow(/flat index 1/);
    expect(() => assertClose([1], [1, 2])).toThrow(/size mismatch/);
  });
});
