import * as tf from '@tensorflow/tfjs-core';

/** Causal attention from tfjs ops: split heads, q·kᵀ/√hs + additive mask, softmax, ·v, merge heads. */
export function referenceAttention(
  qkv: tf.Tensor,
  batch: number,
  length: number,
  heads: number,
  mask?: tf.Tensor,
): tf.Tensor {
  const width = (qkv.shape[1] as number) / 3;
  const hs = width / heads;
  const [q, k, v] = tf.split(qkv, 3, 1).map((t) => tf.transpose(tf.reshape(t, [batch, length, heads, hs]), [0, 2, 1, 3]));
  const causal = new Float32Array(length * length);
  for (let i = 0; i < length; i++) for (let j = i + 1; j < length; j++) causal[i * length + j] = -1e9;
  const scores = tf.add(
    tf.mul(tf.matMul(q as tf.Tensor, k as tf.Tensor, false, true), 1 / Math.sqrt(hs)),
    mask ?? tf.tensor4d(causal, [1, 1, length, length]),
  );
  const attended = tf.matMul(tf.softmax(scores), v as tf.Tensor);
  return tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch * length, width]);
}
