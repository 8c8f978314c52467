import * as tf from '@tensorflow/tfjs-core';
import type { KernelInstance } from './kernel-instance.js';
import { defineKernel, firstOutput, numberAttr, recordingGradients, runKernel } from './kernel-registry.js';

/** `[y, mean, rstd]` of LayerNorm over the last axis of a 2-D tensor. */
export const layerNormKernel = defineKernel('PrefplayLayerNorm', (instance, inputs, attrs) => {
  const x = inputs.x as tf.TensorInfo;
  const [rows, width] = x.shape as [number, number];
  const y = instance.output([rows, width]);
  const mean = instance.output([rows]);
  const rstd = instance.output([rows]);
  instance.exports.layer_norm_forward(
    rows,
    width,
    instance.offset(x),
    instance.offset(inputs.gamma as tf.TensorInfo),
    instance.offset(inputs.beta as tf.TensorInfo),
    numberAttr(attrs, 'epsilon'),
    y.offset,
    mean.offset,
    rstd.offset,
  );
  return [y.info, mean.info, rstd.info];
});

/** `[dx, dγ, dβ]` of LayerNorm. */
export const layerNormBackwardKernel = defineKernel('PrefplayLayerNormBackward', (instance, inputs) => {
  const x = inputs.x as tf.TensorInfo;
  const [rows, width] = x.shape as [number, number];
  const dx = instance.output([rows, width]);
  const dgamma = instance.output([width]);
  const dbeta = instance.output([width]);
  instance.exports.layer_norm_backward(
    rows,
    width,
    instance.offset(x),
    instance.offset(inputs.gamma as tf.TensorInfo),
    instance.offset(inputs.mean as tf.TensorInfo),
    instance.offset(inputs.rstd as tf.TensorInfo),
    instance.offset(inputs.dy as tf.TensorInfo),
    dx.offset,
    dgamma.offset,
    dbeta.offset,
  );
  return [dx.info, dgamma.info, dbeta.info];
});

/** LayerNorm over the last axis of `[rows, width]`, `(x − μ)/√(σ² + ε)·γ + β`, one kernel each way. */
export function createLayerNorm(_instance: KernelInstance) {
  return (x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon = 1e-5): tf.Tensor2D => {
    if (!recordingGradients()) return firstOutput(runKernel(layerNormKernel, { x, gamma, beta }, { epsilon }));
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xs, g, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
      const [y, mean, rstd] = runKernel(layerNormKernel, { x: xs, gamma: g, beta: b }, { epsilon }) as [
        tf.Tensor2D,
        tf.Tensor,
        tf.Tensor,
      ];
      save([xs, g, mean, rstd]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [sx, sg, sm, sr] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          return runKernel(layerNormBackwardKernel, { x: sx, gamma: sg, mean: sm, rstd: sr, dy: dy as tf.Tensor });
        },
      };
    });
    return op(x, gamma, beta) as tf.Tensor2D;
  };
}
