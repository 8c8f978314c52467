import { createRng } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';

/** A float32 tensor of seeded standard-normal values times `scale` (test inputs, not fixtures of results). */
export function randomTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal());
  return tf.tensor(values, shape, 'float32');
}

/** Largest absolute difference between two tensors of the same size. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  if (x.length !== y.length) throw new Error(`size ${x.length} vs ${y.length}`);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  return Number.isNaN(worst) ? Number.POSITIVE_INFINITY : worst;
}
