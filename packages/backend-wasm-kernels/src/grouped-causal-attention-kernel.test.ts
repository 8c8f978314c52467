import { PrefplayError } from '@prefplay/core';
import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomTensor } from './__fixtures__/random-tensor.js';
import { referenceAttention } from './__fixtures__/reference-attention.js';
import { getWasmKernels, type WasmKernels } from './wasm-kernels.js';

let kernels: WasmKernels;
beforeAll(async () => {
  await useTestBackend();
  const loaded = getWasmKernels();
  if (!loaded) throw new Error('these tests need the wasm backend');
  kernels = loaded;
});

/**
 * The same attention from tfjs ops, keys and values repeated per group (Hugging Face's `repeat_kv`)
 * and fed to the plain multi-head reference as one fused projection.
 */
function reference(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  batch: number,
  length: number,
  heads: number,
  kv: number,
) {
  const hs = (q.shape[1] as number) / heads;
  const repeat = (x: tf.Tensor2D) =>
    tf.reshape(tf.tile(tf.reshape(x, [batch * length, kv, 1, hs]), [1, 1, heads / kv, 1]), [
      batch * length,
      heads * hs,
    ]);
  return referenceAttention(tf.concat([q, repeat(k), repeat(v)], 1), batch, length, heads);
}

// Batch 2, length 13 (not a multiple of the 4×8 tile), head size 6; 4 query heads over 2 and over 1
// key/value heads, and over 4 (plain multi-head).
describe.each([2, 1, 4])('grouped causal attention, 4 query heads over %i key/value heads', (kv) => {
  const batch = 2;
  const length = 13;
  const heads = 4;
  const hs = 6;
  const inputs = () => [
    randomTensor([batch * length, heads * hs], 1, 0.8) as tf.Tensor2D,
    randomTensor([batch * length, kv * hs], 2, 0.8) as tf.Tensor2D,
    randomTensor([batch * length, kv * hs], 3, 0.8) as tf.Tensor2D,
  ];
  const options = { batch, length, numHeads: heads, numKeyValueHeads: kv };

  it('equals the repeated-heads reference, values and gradients in q, k and v', () => {
    const [q, k, v] = inputs() as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const weights = randomTensor([batch * length, heads * hs], 4);
    assertClose(kernels.groupedCausalAttention(q, k, v, options), reference(q, k, v, batch, length, heads, kv), {
      atol: 1e-5,
    });
    const loss =
      (f: (a: tf.Tensor2D, b: tf.Tensor2D, c: tf.Tensor2D) => tf.Tensor) =>
      (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(f(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D), weights));
    const ours = tf.grads(loss((a, b, c) => kernels.groupedCausalAttention(a, b, c, options)))([q, k, v]);
    const theirs = tf.grads(loss((a, b, c) => reference(a, b, c, batch, length, heads, kv)))([q, k, v]);
    for (const [i, g] of ours.entries()) assertClose(g, theirs[i] as tf.Tensor, { atol: 1e-5 });
    tf.dispose([q, k, v, weights, ...ours, ...theirs]);
  });

  it('does not leak tensors forward or backward', async () => {
    const [q, k, v] = inputs() as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    await assertNoLeaks(() => kernels.groupedCausalAttention(q, k, v, options), 'grouped attention');
    await assertNoLeaks(
      () =>
        tf.grads((a, b, c) =>
          tf.sum(kernels.groupedCausalAttention(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, options)),
        )([q, k, v]),
      'grouped attention gradients',
    );
    tf.dispose([q, k, v]);
  });
});

describe('grouped causal attention', () => {
  it.each([1, 2, 3])('handles length %i (the row-by-row path for at most 2 queries)', (length) => {
    const [batch, heads, kv, hs] = [3, 6, 2, 5];
    const q = randomTensor([batch * length, heads * hs], 7) as tf.Tensor2D;
    const k = randomTensor([batch * length, kv * hs], 8) as tf.Tensor2D;
    const v = randomTensor([batch * length, kv * hs], 9) as tf.Tensor2D;
    const options = { batch, length, numHeads: heads, numKeyValueHeads: kv };
    assertClose(kernels.groupedCausalAttention(q, k, v, options), reference(q, k, v, batch, length, heads, kv), {
      atol: 1e-5,
    });
    const ours = tf.grads((a, b, c) =>
      tf.sum(tf.square(kernels.groupedCausalAttention(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, options))),
    )([q, k, v]);
    const theirs = tf.grads((a, b, c) =>
      tf.sum(tf.square(reference(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, batch, length, heads, kv))),
    )([q, k, v]);
    for (const [i, g] of ours.entries()) assertClose(g, theirs[i] as tf.Tensor, { atol: 1e-5 });
    tf.dispose([q, k, v, ...ours, ...theirs]);
  });

  it('rejects query heads that are not a multiple of the key/value heads, naming the shapes', () => {
    const q = tf.zeros([4, 12]) as tf.Tensor2D;
    const kv = tf.zeros([4, 8]) as tf.Tensor2D;
    const attempt = () =>
      kernels.groupedCausalAttention(q, kv, kv, { batch: 1, length: 4, numHeads: 3, numKeyValueHeads: 2 });
    expect(attempt).toThrow(/queries \[4, 12\], keys \[4, 8\] and values \[4, 8\] do not fit/);
    try {
      attempt();
    } catch (error) {
      expect(PrefplayError.hasCode(error, 'invalid-input')).toBe(true);
    }
    tf.dispose([q, kv]);
  });
});
