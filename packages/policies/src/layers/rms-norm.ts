import * as tf from '@tensorflow/tfjs-core';
import { columnSum } from './column-sum.js';

/**
 * RMS normalisation over the last axis of a 2-D `[rows, width]` tensor (Llama's `LlamaRMSNorm`):
 * `y = x / √(mean(x²) + ε) · w`, as one custom-gradient op whose backward pass is the closed form
 * `dx = r·(dx̂ − x̂·mean(dx̂·x̂))` with `dx̂ = dy·w`, `x̂ = x·r`, `r = 1/√(mean(x²) + ε)`.
 */
export function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D, epsilon: number): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const inverse = tf.rsqrt(tf.add(tf.mean(tf.mul(input, input), 1, true), epsilon));
    const normalised = tf.mul(input, inverse);
    save([normalised, inverse, scale]);
    return {
      value: tf.mul(normalised, scale),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const upstream = dy as tf.Tensor2D;
        const [xHat, r, w] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const dxHat = tf.mul(upstream, w);
        const meanDxHatXHat = tf.mean(tf.mul(dxHat, xHat), 1, true);
        const dx = tf.mul(tf.sub(dxHat, tf.mul(xHat, meanDxHatXHat)), r);
        return [dx, columnSum(tf.mul(upstream, xHat) as tf.Tensor2D)];
      },
    };
  });
  return op(x, weight) as tf.Tensor2D;
}
