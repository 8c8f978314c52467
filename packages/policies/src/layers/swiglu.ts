import * as tf from '@tensorflow/tfjs-core';

/** `silu(gate) · up` (the gated MLP of Llama, Qwen2 and Mistral), `silu(x) = x·σ(x)`. */
export function swiglu(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as tf.Tensor2D;
}
