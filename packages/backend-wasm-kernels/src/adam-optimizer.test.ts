import { assertClose, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomTensor } from './__fixtures__/random-tensor.js';
import { createAdamOptimizer } from './adam-optimizer.js';
import { wasmKernelsStatus } from './wasm-kernels.js';

beforeAll(async () => {
  await useTestBackend();
});

afterAll(async () => {
  await useTestBackend();
});

/** Runs `steps` Adam steps of a small quadratic-plus-sine loss; returns the final weights. */
function train(optimizer: tf.Optimizer, steps: number): { w: number[]; b: number[] } {
  // 37 weights: the SIMD loop and the scalar tail of the update.
  const w = tf.variable(randomTensor([37], 1));
  const b = tf.variable(randomTensor([3], 2));
  const target = randomTensor([37], 3);
  for (let s = 0; s < steps; s++) {
    optimizer
      .minimize(() => tf.add(tf.sum(tf.square(tf.sub(w, target))), tf.sum(tf.sin(tf.mul(b, 3)))) as tf.Scalar, false, [
        w,
        b,
      ])
      ?.dispose();
  }
  const out = { w: Array.from(w.dataSync()), b: Array.from(b.dataSync()) };
  tf.dispose([w, b, target]);
  return out;
}

describe('WasmAdamOptimizer', () => {
  it('follows tf.train.adam step for step on the wasm backend', () => {
    expect(wasmKernelsStatus().available).toBe(true);
    const fused = createAdamOptimizer(0.05);
    const plain = tf.train.adam(0.05);
    const ours = train(fused, 8);
    const theirs = train(plain, 8);
    assertClose(ours.w, theirs.w, { atol: 1e-6 });
    assertClose(ours.b, theirs.b, { atol: 1e-6 });
    expect(fused.iterations).toBe(8);
    fused.dispose();
    plain.dispose();
  });

  it("follows tf.train.adam when tfjs-wasm's own matMul reads the weights (its cached packing is dropped)", () => {
    // XNNPACK packs a product's weights once per tensor: after an in-place update the next forward
    // must see the new values, or every later gradient repeats the previous step's
    const run = (optimizer: tf.Optimizer) => {
      const x = tf.tensor2d([1, 2, 3, 4, 5, 6, -1, 0.5, 2, -3, 1, 1], [6, 2]);
      const y = tf.tensor2d([1, -1, 2, 0, 3, 1], [6, 1]);
      const w = tf.variable(tf.tensor2d([0.1, -0.2], [2, 1]));
      for (let step = 0; step < 6; step++) {
        optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.matMul(x, w), y))) as tf.Scalar, false, [w]);
      }
      const out = Array.from(w.dataSync());
      tf.dispose([x, y, w]);
      optimizer.dispose();
      return out;
    };
    assertClose(run(createAdamOptimizer(0.05)), run(tf.train.adam(0.05)), { atol: 1e-6 });
  });

  it('leaves a tensor that shares the weight buffer untouched, and leaks nothing per step', () => {
    const w = tf.variable(tf.tensor1d([1, 2, 3]));
    const alias = tf.clone(w);
    const optimizer = createAdamOptimizer(0.1);
    const step = () => optimizer.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
    step();
    const count = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(count);
    assertClose(alias, [1, 2, 3]);
    expect(w.dataSync()[0]).toBeLessThan(1);
    optimizer.dispose();
    tf.dispose([w, alias]);
  });

  it('is tf.train.adam on the cpu backend', async () => {
    await tf.setBackend('cpu');
    expect(wasmKernelsStatus()).toEqual({ available: false, reason: 'the active backend is cpu, not wasm' });
    const ours = train(createAdamOptimizer(0.05), 3);
    const theirs = train(tf.train.adam(0.05), 3);
    expect(ours).toEqual(theirs);
  });
});
