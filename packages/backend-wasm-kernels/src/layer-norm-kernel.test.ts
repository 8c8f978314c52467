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

/** LayerNorm from tfjs ops (tf.moments), differentiated by tfjs. */
function referenceLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, 1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta);
}

describe('layerNorm kernel', () => {
  it.each([
    [5, 13],
    [3, 128],
    [2, 1],
  ])('matches tfjs ops and their gradients for %i rows of width %i', (rows, width) => {
    const x = tf.add(randomTensor([rows, width], 1, 2), 0.5);
    const gamma = randomTensor([width], 2);
    const beta = randomTensor([width], 3);
    const weights = randomTensor([rows, width], 4);
    assertClose(
      kernels.layerNorm(x as tf.Tensor2D, gamma as tf.Tensor1D, beta as tf.Tensor1D),
      referenceLayerNorm(x, gamma, beta, 1e-5),
      { atol: 1e-5 },
    );
    const loss =
      (f: (...t: tf.Tensor[]) => tf.Tensor) =>
      (...t: tf.Tensor[]) =>
        tf.sum(tf.mul(tf.sin(f(...t)), weights));
    const ours = tf.grads(
      loss((a, g, b) => kernels.layerNorm(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5)),
    )([x, gamma, beta]);
    const reference = tf.grads(
      loss((a, g, b) => referenceLayerNorm(a as tf.Tensor, g as tf.Tensor, b as tf.Tensor, 1e-5)),
    )([x, gamma, beta]);
    ours.forEach((g, i) => {
      assertClose(g, reference[i] as tf.Tensor, { atol: 1e-4, label: `input ${i}` });
    });
    tf.dispose([x, gamma, beta, weights, ...ours, ...reference]);
  });

  it('does not leak tensors forward or backward', async () => {
    const x = randomTensor([4, 6], 5);
    const gamma = randomTensor([6], 6);
    const beta = randomTensor([6], 7);
    await assertNoLeaks(
      () => kernels.layerNorm(x as tf.Tensor2D, gamma as tf.Tensor1D, beta as tf.Tensor1D),
      'layerNorm',
    );
    await assertNoLeaks(
      () =>
        tf.grads((a, g, b) => tf.sum(kernels.layerNorm(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D)))([
          x,
          gamma,
          beta,
        ]),
      'layerNorm gradient',
    );
    tf.dispose([x, gamma, beta]);
  });
});
