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

describe('causal attention kernel', () => {
  // [batch, length, heads, head size]: T below, at and above the 4-row tile and past several 8-key
  // tiles, odd head sizes (no SIMD multiple), T = 1 and T = 2 (the row-by-row path), T = 70 with hs 32.
  it.each([
    [2, 13, 3, 5],
    [1, 1, 2, 4],
    [3, 2, 1, 8],
    [2, 4, 2, 3],
    [1, 70, 2, 32],
    [2, 9, 4, 7],
  ])('matches tfjs ops and their gradient: batch %i, T %i, %i heads of size %i', (batch, length, heads, hs) => {
    const width = heads * hs;
    const qkv = randomTensor([batch * length, 3 * width], batch * 100 + length, 0.8) as tf.Tensor2D;
    const weights = randomTensor([batch * length, width], 7);
    const options = { batch, length, numHeads: heads };
    assertClose(kernels.causalAttention(qkv, options), referenceAttention(qkv, batch, length, heads), { atol: 2e-6 });
    const ours = tf.grad((x) => tf.sum(tf.mul(tf.sin(kernels.causalAttention(x as tf.Tensor2D, options)), weights)))(
      qkv,
    );
    const theirs = tf.grad((x) => tf.sum(tf.mul(tf.sin(referenceAttention(x, batch, length, heads)), weights)))(qkv);
    assertClose(ours, theirs, { atol: 2e-5, rtol: 1e-4 });
    tf.dispose([qkv, weights, ours, theirs]);
  });

  it('rejects a projection that does not fit the batch, length and heads', () => {
    const qkv = tf.zeros([10, 12]) as tf.Tensor2D;
    expect(() => kernels.causalAttention(qkv, { batch: 2, length: 4, numHeads: 2 })).toThrow(
      /qkv of shape \[10, 12\] does not fit batch 2, length 4 and 2 heads/,
    );
    qkv.dispose();
  });

  it('does not leak tensors forward or backward', async () => {
    const qkv = randomTensor([12, 18], 9) as tf.Tensor2D;
    const options = { batch: 2, length: 6, numHeads: 2 };
    await assertNoLeaks(() => kernels.causalAttention(qkv, options), 'causalAttention');
    await assertNoLeaks(
      () => tf.grad((x) => tf.sum(kernels.causalAttention(x as tf.Tensor2D, options)))(qkv),
      'causalAttention gradient',
    );
    qkv.dispose();
  });
});
