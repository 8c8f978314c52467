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

/** Tanh-GELU from tfjs ops, the textbook form (independent of the kernel's sigmoid form). */
function referenceGelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.mul(x, x)))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

describe('dense kernel', () => {
  // 14 rows × 9 inputs × 19 outputs: none a multiple of the tile.
  const setup = () => ({
    x: randomTensor([14, 9], 1),
    w: randomTensor([9, 19], 2, 0.5),
    b: randomTensor([19], 3),
    r: randomTensor([14, 19], 4),
    weights: randomTensor([14, 19], 5),
  });

  it('equals x·W + b with the gradients of tfjs ops', () => {
    const { x, w, b, r, weights } = setup();
    assertClose(kernels.dense(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), tf.add(tf.matMul(x, w), b), {
      atol: 1e-5,
    });
    const loss =
      (f: (...t: tf.Tensor[]) => tf.Tensor) =>
      (...t: tf.Tensor[]) =>
        tf.sum(tf.mul(tf.sin(f(...t)), weights));
    const ours = tf.grads(loss((a, k, c) => kernels.dense(a as tf.Tensor2D, k as tf.Tensor2D, c as tf.Tensor1D)))([
      x,
      w,
      b,
    ]);
    const reference = tf.grads(loss((a, k, c) => tf.add(tf.matMul(a as tf.Tensor, k as tf.Tensor), c as tf.Tensor)))([
      x,
      w,
      b,
    ]);
    ours.forEach((g, i) => {
      assertClose(g, reference[i] as tf.Tensor, { atol: 1e-4, label: `input ${i}` });
    });
    tf.dispose([x, w, b, r, weights, ...ours, ...reference]);
  });

  it('fuses GELU: values and gradients of gelu(x·W + b)', () => {
    const { x, w, b, r, weights } = setup();
    const ours = (a: tf.Tensor, k: tf.Tensor, c: tf.Tensor): tf.Tensor =>
      kernels.dense(a as tf.Tensor2D, k as tf.Tensor2D, c as tf.Tensor1D, { activation: 'gelu' });
    const reference = (a: tf.Tensor, k: tf.Tensor, c: tf.Tensor) => referenceGelu(tf.add(tf.matMul(a, k), c));
    assertClose(ours(x, w, b), reference(x, w, b), { atol: 1e-5 });
    const loss = (f: typeof ours) => (a: tf.Tensor, k: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f(a, k, c), weights));
    const g1 = tf.grads(loss(ours))([x, w, b]);
    const g2 = tf.grads(loss(reference))([x, w, b]);
    g1.forEach((g, i) => {
      assertClose(g, g2[i] as tf.Tensor, { atol: 1e-4, label: `input ${i}` });
    });
    tf.dispose([x, w, b, r, weights, ...g1, ...g2]);
  });

  it('adds a residual and passes its gradient through', () => {
    const { x, w, b, r, weights } = setup();
    const ours = (a: tf.Tensor, k: tf.Tensor, c: tf.Tensor, res: tf.Tensor): tf.Tensor =>
      kernels.dense(a as tf.Tensor2D, k as tf.Tensor2D, c as tf.Tensor1D, { residual: res as tf.Tensor2D });
    const reference = (a: tf.Tensor, k: tf.Tensor, c: tf.Tensor, res: tf.Tensor) =>
      tf.add(tf.add(tf.matMul(a, k), c), res);
    assertClose(ours(x, w, b, r), reference(x, w, b, r), { atol: 1e-5 });
    const loss =
      (f: typeof ours) =>
      (...t: tf.Tensor[]) =>
        tf.sum(
          tf.mul(tf.square(f(t[0] as tf.Tensor, t[1] as tf.Tensor, t[2] as tf.Tensor, t[3] as tf.Tensor)), weights),
        );
    const g1 = tf.grads(loss(ours))([x, w, b, r]);
    const g2 = tf.grads(loss(reference))([x, w, b, r]);
    g1.forEach((g, i) => {
      assertClose(g, g2[i] as tf.Tensor, { atol: 1e-3, rtol: 1e-4, label: `input ${i}` });
    });
    tf.dispose([x, w, b, r, weights, ...g1, ...g2]);
  });

  it('does not leak tensors forward or backward, with and without GELU', async () => {
    const { x, w, b, r, weights } = setup();
    for (const activation of [undefined, 'gelu'] as const) {
      const options = activation ? { activation } : { residual: r as tf.Tensor2D };
      await assertNoLeaks(() => kernels.dense(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, options), 'dense');
      await assertNoLeaks(
        () =>
          tf.grads((a, k, c) => tf.sum(kernels.dense(a as tf.Tensor2D, k as tf.Tensor2D, c as tf.Tensor1D, options)))([
            x,
            w,
            b,
          ]),
        'dense gradient',
      );
    }
    tf.dispose([x, w, b, r, weights]);
  });
});
