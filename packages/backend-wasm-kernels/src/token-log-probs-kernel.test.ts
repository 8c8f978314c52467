import { PrefplayError } from '@prefplay/core';
import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomTensor } from './__fixtures__/random-tensor.js';
import { getWasmKernels, type WasmKernels } from './wasm-kernels.js';

let kernels: WasmKernels;
beforeAll(async () => {
  await useTestBackend();
  const loaded = getWasmKernels();
  if (!loaded) throw new Error('these tests need the wasm backend');
  kernels = loaded;
});

/** Σ_j logSoftmax(logits)[r, j]·onehot(target)[r, j] from tfjs ops; rows with target −1 give 0. */
function reference(logits: tf.Tensor2D, targets: Int32Array): tf.Tensor {
  const [rows, vocab] = logits.shape;
  const onehot = new Float32Array(rows * vocab);
  targets.forEach((t, r) => {
    if (t >= 0) onehot[r * vocab + t] = 1;
  });
  return tf.sum(tf.mul(tf.logSoftmax(logits), tf.tensor2d(onehot, [rows, vocab])), 1);
}

describe('tokenLogProbs kernel', () => {
  it('equals log-softmax at the target, with the gradient of tfjs ops, unscored rows 0', () => {
    // vocab 37 (not a multiple of 4); logits up to ±30 so the log-sum-exp must be stable.
    const logits = tf.mul(randomTensor([6, 37], 1), 10) as tf.Tensor2D;
    const targets = Int32Array.from([0, 36, -1, 5, 17, -1]);
    const ours = kernels.tokenLogProbs(logits, targets);
    assertClose(ours, reference(logits, targets), { atol: 2e-5 });
    expect(ours.dataSync()[2]).toBe(0);
    const weights = randomTensor([6], 2);
    const g1 = tf.grad((x) => tf.sum(tf.mul(kernels.tokenLogProbs(x as tf.Tensor2D, targets), weights)))(logits);
    const g2 = tf.grad((x) => tf.sum(tf.mul(reference(x as tf.Tensor2D, targets), weights)))(logits);
    assertClose(g1, g2, { atol: 1e-6 });
    tf.dispose([logits, ours, weights, g1, g2]);
  });

  it('its non-differentiable parts give the same value, the log-sum-exp and the gradient', () => {
    const logits = tf.mul(randomTensor([5, 23], 4), 8) as tf.Tensor2D;
    const targetIds = Int32Array.from([3, -1, 22, 0, 9]);
    const targets = tf.tensor1d(targetIds, 'int32');
    const dy = randomTensor([5], 5) as tf.Tensor1D;
    const [logp, lse] = kernels.parts.tokenLogProbs(logits, targets);
    assertClose(logp, reference(logits, targetIds), { atol: 2e-5 });
    assertClose(lse, tf.logSumExp(logits, 1), { atol: 2e-5 });
    const gradient = kernels.parts.tokenLogProbsGradient(logits, targets, lse, dy);
    const expected = tf.grad((x) => tf.sum(tf.mul(reference(x as tf.Tensor2D, targetIds), dy)))(logits);
    assertClose(gradient, expected, { atol: 1e-6 });
    tf.dispose([logits, targets, dy, logp, lse, gradient, expected]);
  });

  it('rejects a target outside the vocabulary, naming the row', () => {
    const logits = tf.zeros([2, 4]) as tf.Tensor2D;
    const attempt = () => kernels.tokenLogProbs(logits, Int32Array.from([1, 4]));
    expect(attempt).toThrow(/target 4 of row 1 is not −1 or an id in \[0, 3\]/);
    try {
      attempt();
    } catch (error) {
      expect(PrefplayError.hasCode(error, 'invalid-input')).toBe(true);
    }
    logits.dispose();
  });

  it('does not leak tensors forward or backward', async () => {
    const logits = randomTensor([3, 5], 3) as tf.Tensor2D;
    const targets = Int32Array.from([1, -1, 4]);
    await assertNoLeaks(() => kernels.tokenLogProbs(logits, targets), 'tokenLogProbs');
    await assertNoLeaks(
      () => tf.grad((x) => tf.sum(kernels.tokenLogProbs(x as tf.Tensor2D, targets)))(logits),
      'tokenLogProbs gradient',
    );
    logits.dispose();
  });
});
