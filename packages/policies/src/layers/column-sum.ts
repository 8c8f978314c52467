import * as tf from '@tensorflow/tfjs-core';

/**
 * Sum over the rows of a 2-D tensor, `[rows, width] → [width]`, as the 2-D product
 * `ones[1, rows] @ x`: on the wasm backend this runs on the fast matrix kernel, several times
 * faster than `tf.sum(x, 0)`. Used inside backward passes (not differentiable itself).
 */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [x.shape[1]]) as tf.Tensor1D);
}
