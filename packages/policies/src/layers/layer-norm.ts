import { getWasmKernels } from '@prefplay/backend-wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';
import { columnSum } from './column-sum.js';

/**
 * Layer normalisation over the last axis of a 2-D `[rows, width]` tensor, as one custom-gradient
 * op: the backward pass is the closed form
 * `dx = r·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))` with `dx̂ = dy·γ`, `r = 1/√(var + ε)`, so only `x̂`
 * and `r` are kept for it instead of every intermediate of the composite. On the wasm backend it is
 * one fused kernel each way (`@prefplay/backend-wasm-kernels`).
 */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon = 1e-5): tf.Tensor2D {
  const kernels = getWasmKernels();
  if (kernels) return kernels.layerNorm(x, gamma, beta, epsilon);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, shift, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const centred = tf.sub(input, tf.mean(input, 1, true));
    const inverse = tf.rsqrt(tf.add(tf.mean(tf.mul(centred, centred), 1, true), epsilon));
    const normalised = tf.mul(centred, inverse);
    save([normalised, inverse, scale]);
    return {
      value: tf.add(tf.mul(normalised, scale), shift),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const upstream = dy as tf.Tensor2D;
        const [xHat, r, g] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const dxHat = tf.mul(upstream, g);
        const meanDxHat = tf.mean(dxHat, 1, true);
        const meanDxHatXHat = tf.mean(tf.mul(dxHat, xHat), 1, true);
        const dx = tf.mul(tf.sub(tf.sub(dxHat, meanDxHat), tf.mul(xHat, meanDxHatXHat)), r);
        return [dx, columnSum(tf.mul(upstream, xHat) as tf.Tensor2D), columnSum(upstream)];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor2D;
}

const geluScale = Math.sqrt(2 / Math.PI);
const geluCubic = 0.044715;

/**
 * GELU, tanh approximation `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, computed as the identical
 * `x·σ(2·√(2/π)·(x + 0.044715·x·x·x))` because the wasm backend's sigmoid is vectorised and its tanh
 * is not (about 10× slower). The cube is written `x·x·x` (faster than `pow` in tfjs); the backward
 * pass is the closed form `s + x·s·(1 − s)·2·√(2/π)·(1 + 3·0.044715·x²)` with `s` the sigmoid, so only
 * `x` and `s` are kept for it. On the wasm backend it is one fused kernel each way.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  const kernels = getWasmKernels();
  if (kernels) return kernels.gelu(x);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const square = tf.mul(input, input);
    const inner = tf.mul(tf.mul(input, tf.add(tf.mul(square, geluCubic), 1)), 2 * geluScale);
    const s = tf.sigmoid(inner);
    save([input, s]);
    return {
      value: tf.mul(input, s),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, ss] = saved as [tf.Tensor, tf.Tensor];
        const slope = tf.mul(tf.add(tf.mul(tf.mul(xs, xs), 3 * geluCubic), 1), 2 * geluScale);
        const local = tf.add(ss, tf.mul(tf.mul(tf.mul(xs, ss), tf.sub(1, ss)), slope));
        return [tf.mul(dy as tf.Tensor, local)];
      },
    };
  });
  return op(x);
}
