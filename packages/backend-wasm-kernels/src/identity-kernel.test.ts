import { useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdamOptimizer } from './adam-optimizer.js';
import { getWasmKernels } from './wasm-kernels.js';

describe('Identity on the wasm backend', () => {
  beforeAll(async () => {
    await useTestBackend();
    if (!getWasmKernels()) throw new Error('these tests need the wasm backend');
  });

  it('shares the buffer instead of copying it, and frees it with the last reference', () => {
    const backend = tf.backend() as unknown as { refCount(dataId: object): number };
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    expect(backend.refCount(x.dataId)).toBe(2);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(backend.refCount(y.dataId)).toBe(0);
  });

  it('a clone of a variable keeps its values when the fused Adam updates the variable in place', () => {
    const w = tf.variable(tf.tensor1d([1, -2, 3]));
    const snapshot = tf.clone(w);
    const optimizer = createAdamOptimizer(0.1);
    optimizer.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
    expect(Array.from(snapshot.dataSync())).toEqual([1, -2, 3]);
    expect(Array.from(w.dataSync())).not.toEqual([1, -2, 3]);
    tf.dispose([w, snapshot]);
    optimizer.dispose();
  });

  it('a clone of a key/value cache layer keeps its values when the cache writes new positions', () => {
    const kernels = getWasmKernels();
    if (!kernels) throw new Error('the wasm kernels did not load');
    const cache = kernels.createKeyValueCache({ batch: 1, capacity: 4, width: 4, numLayers: 1 });
    const before = tf.clone((cache.layers[0] as { keys: tf.Tensor }).keys);
    const qkv = tf.tidy(() => tf.reshape(tf.range(1, 13), [1, 12]) as tf.Tensor2D);
    const out = cache.attend(0, qkv, { queryLength: 1, numHeads: 1 });
    cache.advance(1);
    expect(Array.from(before.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from((cache.layers[0] as { keys: tf.Tensor }).keys.dataSync()).slice(0, 4)).toEqual([5, 6, 7, 8]);
    tf.dispose([before, qkv, out]);
    cache.dispose();
  });
});
