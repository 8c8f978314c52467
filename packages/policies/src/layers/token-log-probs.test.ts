import { configureWasmKernels } from '@prefplay/backend-wasm-kernels';
import { assertClose, assertNoLeaks, checkGradient, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenLogProbs } from './token-log-probs.js';

beforeAll(async () => {
  await useTestBackend();
});

const rows = 7;
const width = 5;
const vocabulary = 11;
const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 31.7 + i * 1.37) * 1.5);
const targets = Int32Array.from({ length: rows }, (_, i) => (i * 4 + 3) % vocabulary);

/** The plain computation it replaces: full logits, log-softmax, pick the target. */
function reference(hidden: tf.Tensor2D, head: tf.Tensor2D): tf.Tensor1D {
  const logps = tf.logSoftmax(tf.matMul(hidden, head));
  return tf.sum(tf.mul(logps, tf.oneHot(tf.tensor1d(targets, 'int32'), vocabulary)), 1) as tf.Tensor1D;
}

// On the wasm backend with its kernels, and with plain tfjs ops (every other backend).
describe.each([
  ['the wasm kernels', true],
  ['plain tfjs ops', false],
] as const)('tokenLogProbs on %s', (_name, enabled) => {
  beforeAll(() => configureWasmKernels({ enabled }));
  afterAll(() => configureWasmKernels({}));

  it('equals log-softmax of the full logits at the targets, in one chunk or many', () => {
    const hidden = tf.tensor2d(values(rows * width, 1), [rows, width]);
    const head = tf.tensor2d(values(width * vocabulary, 2), [width, vocabulary]);
    const expected = reference(hidden, head);
    for (const chunkRows of [undefined, 1, 3, 7]) {
      assertClose(tokenLogProbs(hidden, head, targets, chunkRows ? { chunkRows } : {}), expected, { atol: 1e-5 });
    }
    tf.dispose([hidden, head, expected]);
  });

  it('has the gradients of the plain computation and of finite differences, for hidden and head', () => {
    const hidden = tf.tensor2d(values(rows * width, 3), [rows, width]);
    const head = tf.tensor2d(values(width * vocabulary, 4), [width, vocabulary]);
    const weights = tf.tensor1d(values(rows, 5));
    const loss = (h: tf.Tensor2D, w: tf.Tensor2D, chunkRows: number, keepSoftmaxEntries?: number) =>
      tf.sum(
        tf.mul(
          tokenLogProbs(h, w, targets, {
            chunkRows,
            ...(keepSoftmaxEntries !== undefined ? { keepSoftmaxEntries } : {}),
          }),
          weights,
        ),
      ) as tf.Scalar;
    const plain = (h: tf.Tensor2D, w: tf.Tensor2D) => tf.sum(tf.mul(reference(h, w), weights)) as tf.Scalar;
    const [dh, dw] = tf.grads((h, w) => loss(h as tf.Tensor2D, w as tf.Tensor2D, 3))([hidden, head]);
    const [ph, pw] = tf.grads((h, w) => plain(h as tf.Tensor2D, w as tf.Tensor2D))([hidden, head]);
    assertClose(dh as tf.Tensor, ph as tf.Tensor, { atol: 1e-5 });
    assertClose(dw as tf.Tensor, pw as tf.Tensor, { atol: 1e-5 });
    // The softmax kept from the forward pass (the default here) or recomputed: the same gradients.
    const [rh, rw] = tf.grads((h, w) => loss(h as tf.Tensor2D, w as tf.Tensor2D, 3, 0))([hidden, head]);
    assertClose(rh as tf.Tensor, ph as tf.Tensor, { atol: 1e-5 });
    assertClose(rw as tf.Tensor, pw as tf.Tensor, { atol: 1e-5 });
    tf.dispose([rh, rw] as tf.Tensor[]);
    checkGradient((h) => loss(h as tf.Tensor2D, head, 2, 0), hidden);
    checkGradient((h) => loss(h as tf.Tensor2D, head, 2), hidden);
    checkGradient((w) => loss(hidden, w as tf.Tensor2D, 4), head);
    // A frozen head: the same hidden gradient, computed without the head gradient.
    const frozen = tf.grad((h) =>
      tf.sum(tf.mul(tokenLogProbs(h as tf.Tensor2D, head, targets, { headGradient: false }), weights)),
    )(hidden);
    assertClose(frozen, ph as tf.Tensor, { atol: 1e-5 });
    tf.dispose([hidden, head, weights, dh, dw, ph, pw, frozen] as tf.Tensor[]);
  });

  it('does not leak tensors in forward and backward', async () => {
    const hidden = tf.tensor2d(values(rows * width, 6), [rows, width]);
    const head = tf.tensor2d(values(width * vocabulary, 7), [width, vocabulary]);
    await assertNoLeaks(() => tokenLogProbs(hidden, head, targets, { chunkRows: 2 }), 'tokenLogProbs');
    await assertNoLeaks(
      () =>
        tf.grads((h, w) => tf.sum(tokenLogProbs(h as tf.Tensor2D, w as tf.Tensor2D, targets, { chunkRows: 2 })))([
          hidden,
          head,
        ]),
      'tokenLogProbs gradient',
    );
    await assertNoLeaks(
      () =>
        tf.grads((h, w) =>
          tf.sum(tokenLogProbs(h as tf.Tensor2D, w as tf.Tensor2D, targets, { chunkRows: 2, keepSoftmaxEntries: 0 })),
        )([hidden, head]),
      'tokenLogProbs gradient recomputing the softmax',
    );
    await assertNoLeaks(
      () =>
        tf.grad((h) => tf.sum(tokenLogProbs(h as tf.Tensor2D, head, targets, { chunkRows: 2, headGradient: false })))(
          hidden,
        ),
      'tokenLogProbs gradient with a frozen head',
    );
    expect(() => tokenLogProbs(hidden, head, targets.subarray(1))).toThrow(/6 targets for 7 rows/);
    tf.dispose([hidden, head]);
  });
});
