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

const batch = 3;
const heads = 2;
const hs = 5;
const width = heads * hs;
const total = 9;
const padding = [0, 2, 1];

/** Additive mask: query q of row b sees key k when padding[b] ≤ k ≤ q. */
function paddedMask(): tf.Tensor {
  const values = new Float32Array(batch * total * total);
  padding.forEach((pad, b) => {
    for (let q = 0; q < total; q++)
      for (let k = 0; k < total; k++) if (k < pad || k > q) values[(b * total + q) * total + k] = -1e9;
  });
  return tf.tensor4d(values, [batch, 1, total, total]);
}

describe('key/value cache', () => {
  it('prefill then token-by-token decoding equals full attention over left-padded rows, growing as needed', () => {
    const qkv = randomTensor([batch * total, 3 * width], 11, 0.8) as tf.Tensor2D;
    const expected = referenceAttention(qkv, batch, total, heads, paddedMask()).arraySync() as number[][];
    // Capacity 3 at first: the steps below make it grow to 6, then to 12 (copying the rows written).
    const cache = kernels.createKeyValueCache({
      batch,
      capacity: 3,
      maxCapacity: 12,
      width,
      numLayers: 2,
      keyStart: padding,
    });
    const rowsOf = tf.reshape(qkv, [batch, total, 3 * width]);
    // Steps of 4 (tiled path), 1, 1, 1 (decode path) and 2 positions.
    let at = 0;
    for (const step of [4, 1, 1, 1, 2]) {
      const part = tf.reshape(tf.slice(rowsOf, [0, at, 0], [batch, step, 3 * width]), [batch * step, 3 * width]);
      const out = cache
        .attend(0, part as tf.Tensor2D, { queryLength: step, numHeads: heads })
        .arraySync() as number[][];
      // Layer 1 gets other keys and values: the layers' caches must not mix.
      cache.attend(1, tf.mul(part, -1) as tf.Tensor2D, { queryLength: step, numHeads: heads }).dispose();
      cache.advance(step);
      for (let b = 0; b < batch; b++) {
        for (let i = 0; i < step; i++) {
          const position = at + i;
          if (position < (padding[b] as number)) continue; // a padding slot's own output is never used
          assertClose(out[b * step + i] as number[], expected[b * total + position] as number[], {
            atol: 2e-6,
            label: `row ${b}, position ${position}`,
          });
        }
      }
      at += step;
    }
    expect(cache.length).toBe(total);
    expect(cache.capacity).toBe(12);
    cache.dispose();
    tf.dispose([qkv, rowsOf]);
  });

  it('refuses to write past its capacity and to be used after dispose', () => {
    const cache = kernels.createKeyValueCache({ batch: 1, capacity: 2, width: 4, numLayers: 1 });
    const qkv = tf.zeros([3, 12]) as tf.Tensor2D;
    expect(() => cache.attend(0, qkv, { queryLength: 3, numHeads: 1 })).toThrow(/exceed the capacity 2/);
    cache.dispose();
    const one = tf.zeros([1, 12]) as tf.Tensor2D;
    expect(() => cache.attend(0, one, { queryLength: 1, numHeads: 1 })).toThrow(/was disposed/);
    tf.dispose([qkv, one]);
  });

  it('holds only its caches, and attending leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const cache = kernels.createKeyValueCache({ batch: 2, capacity: 4, width: 4, numLayers: 3, keyStart: [1, 0] });
    const qkv = randomTensor([2, 12], 3) as tf.Tensor2D;
    await assertNoLeaks(() => cache.attend(2, qkv, { queryLength: 1, numHeads: 2 }), 'attend');
    cache.dispose();
    qkv.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
