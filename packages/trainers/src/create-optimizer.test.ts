import { assertClose, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOptimizer, optimizerNames } from './create-optimizer.js';

/** Six steps of `name` on a least-squares problem; the final weights. */
function train(name: (typeof optimizerNames)[number]): number[] {
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6, -1, 0.5, 2, -3, 1, 1], [6, 2]);
  const y = tf.tensor2d([1, -1, 2, 0, 3, 1], [6, 1]);
  const start = tf.tensor2d([0.1, -0.2], [2, 1]);
  const w = tf.variable(start);
  const optimizer = createOptimizer(name, 0.05);
  for (let step = 0; step < 6; step++) {
    optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.matMul(x, w), y))) as tf.Scalar, false, [w]);
  }
  const out = Array.from(w.dataSync());
  tf.dispose([x, y, w, start]);
  optimizer.dispose();
  return out;
}

describe('createOptimizer', () => {
  beforeAll(async () => {
    await useTestBackend();
  });

  it('adam-fused follows adam to rounding and moves the weights', () => {
    const plain = train('adam');
    const fused = train('adam-fused');
    assertClose(fused, plain, { atol: 1e-6 });
    expect(fused).not.toEqual([0.1, -0.2]);
  });

  it('every named optimiser trains without leaking tensors', () => {
    for (const name of optimizerNames) {
      train(name);
      const before = tf.memory().numTensors;
      train(name);
      expect({ name, tensors: tf.memory().numTensors - before }).toEqual({ name, tensors: 0 });
    }
  });
});
