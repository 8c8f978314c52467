import { configureWasmKernels } from '@prefplay/backend-wasm-kernels';
import { assertClose, assertNoLeaks, checkGradient, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { dense, fastMatMul } from './fast-mat-mul.js';

beforeAll(async () => {
  await useTestBackend();
});

const a = () => tf.tensor2d([0.3, -1.2, 0.5, 2.0, 0.1, -0.7], [2, 3]);

// Each case runs on the wasm kernels (when the backend is wasm) and on plain tfjs ops.
describe.each([true, false])('with the wasm kernels enabled: %s', (enabled) => {
  beforeAll(() => {
    configureWasmKernels({ enabled });
  });
  afterAll(() => {
    configureWasmKernels({});
  });

  describe('fastMatMul', () => {
    it('equals the closed-form product', () => {
      const left = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
      const right = tf.tensor2d([1, 0, -1, 2, 0.5, 3], [3, 2]);
      // Hand-computed: [1·1+2·(−1)+3·0.5, 1·0+2·2+3·3] and [4−5+3, 0+10+18].
      assertClose(fastMatMul(left, right), [
        [0.5, 13],
        [2, 28],
      ]);
      tf.dispose([left, right]);
    });

    it('has gradients matching finite differences for both operands', () => {
      const left = a();
      const right = tf.tensor2d([1.5, -0.4, 0.2, 0.9, -1.1, 0.6], [3, 2]);
      const weights = tf.tensor2d([0.7, -1.3, 0.4, 2.1], [2, 2]);
      const loss = (x: tf.Tensor2D, y: tf.Tensor2D) => tf.sum(tf.mul(tf.tanh(fastMatMul(x, y)), weights)) as tf.Scalar;
      checkGradient((x) => loss(x as tf.Tensor2D, right), left);
      checkGradient((y) => loss(left, y as tf.Tensor2D), right);
      tf.dispose([left, right, weights]);
    });

    it('does not leak tensors in forward and backward', async () => {
      const left = a();
      const right = tf.tensor2d([1.5, -0.4, 0.2, 0.9, -1.1, 0.6], [3, 2]);
      await assertNoLeaks(() => fastMatMul(left, right), 'fastMatMul');
      await assertNoLeaks(
        () => tf.grads((x, y) => tf.sum(fastMatMul(x as tf.Tensor2D, y as tf.Tensor2D)))([left, right]),
        'fastMatMul gradient',
      );
      tf.dispose([left, right]);
    });
  });

  describe('dense', () => {
    it('equals x @ kernel + bias and has finite-difference gradients for all three inputs', () => {
      const x = tf.tensor2d([0.3, -1.2, 0.5, 2.0, 0.1, -0.7], [2, 3]);
      const kernel = tf.tensor2d([1.5, -0.4, 0.2, 0.9, -1.1, 0.6], [3, 2]);
      const bias = tf.tensor1d([0.25, -0.5]);
      // Hand-computed rows: x·kernel + bias.
      assertClose(dense(x, kernel, bias), [
        [0.3 * 1.5 - 1.2 * 0.2 + 0.5 * -1.1 + 0.25, 0.3 * -0.4 - 1.2 * 0.9 + 0.5 * 0.6 - 0.5],
        [2 * 1.5 + 0.1 * 0.2 - 0.7 * -1.1 + 0.25, 2 * -0.4 + 0.1 * 0.9 - 0.7 * 0.6 - 0.5],
      ]);
      const weights = tf.tensor2d([0.7, -1.3, 0.4, 2.1], [2, 2]);
      const loss = (a: tf.Tensor, k: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.tanh(dense(a as tf.Tensor2D, k as tf.Tensor2D, b as tf.Tensor1D)), weights)) as tf.Scalar;
      checkGradient((a) => loss(a, kernel, bias), x);
      checkGradient((k) => loss(x, k, bias), kernel);
      checkGradient((b) => loss(x, kernel, b), bias);
      tf.dispose([x, kernel, bias, weights]);
    });

    it('does not leak tensors', async () => {
      const x = tf.tensor2d([0.3, -1.2, 0.5, 2.0], [2, 2]);
      const kernel = tf.tensor2d([1.5, -0.4, 0.2, 0.9], [2, 2]);
      const bias = tf.tensor1d([0.25, -0.5]);
      await assertNoLeaks(
        () =>
          tf.grads((a, k, b) => tf.sum(dense(a as tf.Tensor2D, k as tf.Tensor2D, b as tf.Tensor1D)))([x, kernel, bias]),
        'dense',
      );
      tf.dispose([x, kernel, bias]);
    });
  });
});
