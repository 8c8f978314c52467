import * as tf from '@tensorflow/tfjs-core';

/**
 * `oneHot(ids, depth)` as float32. The wasm backend's OneHot kernel ignores the `dtype`
 * argument and writes integer bits into a float32 tensor, so build int32 and cast. Depth 1
 * (which tfjs rejects) gives a column of ones.
 */
export function floatOneHot(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  if (depth < 2) return tf.ones([ids.shape[0], 1]);
  return tf.tidy(() => tf.cast(tf.oneHot(ids, depth), 'float32') as tf.Tensor2D);
}
