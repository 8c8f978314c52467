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

// Rows 13 (B read in place, at most 16 rows) and 37 (B packed); transposes both ways.
const cases = [13, 37].flatMap((rows) =>
  (
    [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const
  ).map(([transposeA, transposeB]) => [rows, transposeA, transposeB] as const),
);

describe('matMul kernel', () => {
  it.each(cases)(
    'parts.product equals tf.matMul: %i rows, transposeA %s, transposeB %s',
    (rows, transposeA, transposeB) => {
      const a = randomTensor(transposeA ? [11, rows] : [rows, 11], 4);
      const b = randomTensor(transposeB ? [17, 11] : [11, 17], 5);
      assertClose(kernels.parts.product(a, b, { transposeA, transposeB }), tf.matMul(a, b, transposeA, transposeB), {
        atol: 1e-5,
      });
      tf.dispose([a, b]);
    },
  );

  // rows×11×17: no dimension a multiple of the 4×8 tile or of the SIMD width.
  it.each(cases)(
    'matches tf.matMul and its gradients: %i rows, transposeA %s, transposeB %s',
    (rows, transposeA, transposeB) => {
      const a = randomTensor(transposeA ? [11, rows] : [rows, 11], 1);
      const b = randomTensor(transposeB ? [17, 11] : [11, 17], 2);
      const weights = randomTensor([rows, 17], 3);
      assertClose(kernels.matMul(a, b, { transposeA, transposeB }), tf.matMul(a, b, transposeA, transposeB), {
        atol: 1e-5,
      });
      const loss = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.mul(tf.tanh(f(x, y)), weights));
      const ours = tf.grads(loss((x, y) => kernels.matMul(x, y, { transposeA, transposeB })))([a, b]);
      const reference = tf.grads(loss((x, y) => tf.matMul(x, y, transposeA, transposeB)))([a, b]);
      assertClose(ours[0] as tf.Tensor, reference[0] as tf.Tensor, { atol: 1e-5 });
      assertClose(ours[1] as tf.Tensor, reference[1] as tf.Tensor, { atol: 1e-5 });
      tf.dispose([a, b, weights, ...ours, ...reference]);
    },
  );

  it('multiplies batches of 3-D operands, deeper than one packed block (k = 300)', () => {
    const a = randomTensor([3, 9, 300], 4);
    const b = randomTensor([3, 6, 300], 5);
    assertClose(kernels.matMul(a, b, { transposeB: true }), tf.matMul(a, b, false, true), { atol: 1e-4 });
    const ga = tf.grad((x) => tf.sum(tf.square(kernels.matMul(x, b, { transposeB: true }))))(a);
    const gr = tf.grad((x) => tf.sum(tf.square(tf.matMul(x, b, false, true))))(a);
    assertClose(ga, gr, { atol: 1e-3, rtol: 1e-4 });
    tf.dispose([a, b, ga, gr]);
  });

  it('handles a product wider than one column block (n = 300) and a single row', () => {
    const a = randomTensor([1, 40], 6);
    const b = randomTensor([40, 300], 7);
    assertClose(kernels.matMul(a, b), tf.matMul(a, b), { atol: 1e-4 });
    tf.dispose([a, b]);
  });

  it('rejects operands whose inner dimensions disagree', () => {
    const a = tf.zeros([3, 4]);
    const b = tf.zeros([5, 2]);
    expect(() => kernels.matMul(a, b)).toThrow(/cannot multiply float32 \[3, 4\] by \[5, 2\]/);
    tf.dispose([a, b]);
  });

  it('does not leak tensors forward or backward', async () => {
    const a = randomTensor([5, 7], 8);
    const b = randomTensor([9, 7], 9);
    await assertNoLeaks(() => kernels.matMul(a, b, { transposeB: true }), 'matMul');
    await assertNoLeaks(
      () => tf.grads((x, y) => tf.sum(kernels.matMul(x as tf.Tensor, y as tf.Tensor, { transposeB: true })))([a, b]),
      'matMul gradient',
    );
    tf.dispose([a, b]);
  });
});
