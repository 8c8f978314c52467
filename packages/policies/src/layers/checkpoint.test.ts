import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpoint } from './checkpoint.js';
import { dense } from './fast-mat-mul.js';

beforeAll(async () => {
  await useTestBackend();
});

const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 0.91));

describe('checkpoint', () => {
  it('gives the gradients of the plain computation for inputs and variables, inside variableGrads', () => {
    const kernel = tf.variable(tf.tensor2d(values(12, 1), [3, 4]));
    const bias = tf.variable(tf.tensor1d(values(4, 2)));
    const x = tf.tensor2d(values(6, 3), [2, 3]);
    const scale = tf.tensor2d(values(8, 4), [2, 4]);
    const block = ([input, s]: readonly tf.Tensor[]) =>
      tf.mul(tf.tanh(dense(input as tf.Tensor2D, kernel, bias)), s as tf.Tensor);
    const loss = (useCheckpoint: boolean) => () => {
      const h = tf.mul(x, 2) as tf.Tensor2D;
      const y = useCheckpoint ? checkpoint(block, [h, scale], [kernel, bias]) : block([h, scale]);
      return tf.sum(tf.square(y)) as tf.Scalar;
    };
    const plain = tf.variableGrads(loss(false), [kernel, bias]);
    const checked = tf.variableGrads(loss(true), [kernel, bias]);
    assertClose(checked.value, plain.value, { atol: 1e-6 });
    assertClose(checked.grads[kernel.name] as tf.Tensor, plain.grads[kernel.name] as tf.Tensor, { atol: 1e-6 });
    assertClose(checked.grads[bias.name] as tf.Tensor, plain.grads[bias.name] as tf.Tensor, { atol: 1e-6 });
    const dx = tf.grad((input) => tf.sum(checkpoint(block, [input, scale], [kernel, bias])))(x);
    const dxPlain = tf.grad((input) => tf.sum(block([input, scale])))(x);
    assertClose(dx, dxPlain, { atol: 1e-6 });
    expect(Object.keys(checked.grads)).toHaveLength(2);
    tf.dispose([kernel, bias, x, scale, dx, dxPlain, plain.value, checked.value]);
    tf.dispose([...Object.values(plain.grads), ...Object.values(checked.grads)]);
  });

  it('does not leak tensors, and leaves the outer tape working for the next step', async () => {
    const kernel = tf.variable(tf.tensor2d(values(12, 5), [3, 4]));
    const x = tf.tensor2d(values(6, 6), [2, 3]);
    const step = () =>
      tf.variableGrads(
        () =>
          tf.sum(checkpoint(([input]) => tf.relu(tf.matMul(input as tf.Tensor2D, kernel)), [x], [kernel])) as tf.Scalar,
        [kernel],
      );
    await assertNoLeaks(step, 'checkpointed step');
    await assertNoLeaks(step, 'second checkpointed step');
    tf.dispose([kernel, x]);
  });
});
