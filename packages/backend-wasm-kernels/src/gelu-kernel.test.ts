import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import { randomTensor } from './__fixtures__/random-tensor.js';
import { getWasmKernels, type WasmKernels } from './wasm-kernels.js';

let kernels: WasmKernels;
beforeAll(async () => {
  await useTestBackend();
  const loaded = getWasmKernels();
  if (!loaded) throw new Error('these tests need the wasm backend');
  kernels = loaded;
});

describe('gelu kernel', () => {
  it('matches 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) and its tfjs gradient, including large |x|', () => {
    // 3·7 = 21 elements: the SIMD loop and the scalar tail; values from −15 to 15 exercise exp's range.
    const x = tf.reshape(tf.concat([tf.mul(randomTensor([19], 1), 3), tf.tensor1d([-15, 15])]), [3, 7]);
    const reference = (t: tf.Tensor) =>
      tf.mul(
        tf.mul(0.5, t),
        tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(t, tf.mul(0.044715, tf.pow(t, 3)))))),
      );
    assertClose(kernels.gelu(x), reference(x), { atol: 2e-6, rtol: 1e-5 });
    const weights = randomTensor([3, 7], 2);
    const ours = tf.grad((t) => tf.sum(tf.mul(kernels.gelu(t), weights)))(x);
    const theirs = tf.grad((t) => tf.sum(tf.mul(reference(t), weights)))(x);
    assertClose(ours, theirs, { atol: 1e-5, rtol: 1e-4 });
    tf.dispose([x, weights, ours, theirs]);
  });

  it('does not leak tensors forward or backward', async () => {
    const x = randomTensor([10], 3);
    await assertNoLeaks(() => kernels.gelu(x), 'gelu');
    await assertNoLeaks(() => tf.grad((t) => tf.sum(kernels.gelu(t)))(x), 'gelu gradient');
    x.dispose();
  });
});
