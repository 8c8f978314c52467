import { configureWasmKernels } from '@prefplay/backend-wasm-kernels';
import { assertClose, assertNoLeaks, checkGradient, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { gelu, layerNorm } from './layer-norm.js';

beforeAll(async () => {
  await useTestBackend();
});

// Each case runs on the wasm kernels (when the backend is wasm) and on plain tfjs ops.
describe.each([true, false])('with the wasm kernels enabled: %s', (enabled) => {
  beforeAll(() => {
    configureWasmKernels({ enabled });
  });
  afterAll(() => {
    configureWasmKernels({});
  });

  describe('layerNorm and gelu', () => {
    it('match closed forms', () => {
      const x = tf.tensor2d([1, 2, 3, -1, 0, 4], [2, 3]);
      const gamma = tf.tensor1d([1, 2, 0.5]);
      const beta = tf.tensor1d([0, 1, -1]);
      const expected = [
        [1, 2, 3],
        [-1, 0, 4],
      ].map((row) => {
        const mean = row.reduce((s, v) => s + v, 0) / 3;
        const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / 3;
        return row.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * [1, 2, 0.5][i]! + [0, 1, -1][i]!);
      });
      assertClose(layerNorm(x, gamma, beta), expected, { atol: 1e-5 });
      const g = [-2, -0.5, 0, 0.7, 3].map(
        (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
      );
      assertClose(gelu(tf.tensor1d([-2, -0.5, 0, 0.7, 3])), g, { atol: 1e-6 });
      checkGradient(
        (t) =>
          tf.sum(
            tf.mul(layerNorm(t as tf.Tensor2D, gamma, beta), tf.tensor2d([1, -2, 0.5, 3, 1, -1], [2, 3])),
          ) as tf.Scalar,
        x,
      );
      checkGradient((t) => tf.sum(gelu(t)) as tf.Scalar, tf.tensor1d([-2, -0.5, 0.1, 0.7, 3]));
      const upstream = tf.tensor2d([1, -2, 0.5, 3, 1, -1], [2, 3]);
      checkGradient((g) => tf.sum(tf.mul(layerNorm(x, g as tf.Tensor1D, beta), upstream)) as tf.Scalar, gamma);
      checkGradient((b) => tf.sum(tf.mul(layerNorm(x, gamma, b as tf.Tensor1D), upstream)) as tf.Scalar, beta);
    });

    it('do not leak tensors in forward and backward', async () => {
      const x = tf.tensor2d([1, 2, 3, -1, 0, 4], [2, 3]);
      const gamma = tf.tensor1d([1, 2, 0.5]);
      const beta = tf.tensor1d([0, 1, -1]);
      await assertNoLeaks(
        () =>
          tf.grads((a, g, b) => tf.sum(gelu(layerNorm(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D))))([
            x,
            gamma,
            beta,
          ]),
        'layerNorm and gelu',
      );
      tf.dispose([x, gamma, beta]);
    });
  });
});
