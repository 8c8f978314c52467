import * as tf from '@tensorflow/tfjs-core';
import type { KernelInstance } from './kernel-instance.js';
import { defineKernel, recordingGradients, runKernel } from './kernel-registry.js';

export const geluKernel = defineKernel('PrefplayGelu', (instance, inputs) => {
  const x = inputs.x as tf.TensorInfo;
  const y = instance.output(x.shape.slice());
  instance.exports.gelu_forward(tf.util.sizeFromShape(x.shape), instance.offset(x), y.offset);
  return y.info;
});

export const geluBackwardKernel = defineKernel('PrefplayGeluBackward', (instance, inputs) => {
  const x = inputs.x as tf.TensorInfo;
  const dx = instance.output(x.shape.slice());
  instance.exports.gelu_backward(
    tf.util.sizeFromShape(x.shape),
    instance.offset(x),
    instance.offset(inputs.dy as tf.TensorInfo),
    dx.offset,
  );
  return dx.info;
});

/** Tanh-approximate GELU, `x·σ(2·√(2/π)·(x + 0.044715·x³))`, one kernel each way. */
export function createGelu(_instance: KernelInstance) {
  return <T extends tf.Tensor>(x: T): T => {
    if (!recordingGradients()) return runKernel(geluKernel, { x })[0] as T;
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xs, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([xs]);
      return {
        value: runKernel(geluKernel, { x: xs })[0] as tf.Tensor,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
          runKernel(geluBackwardKernel, { x: saved[0] as tf.Tensor, dy: dy as tf.Tensor }),
      };
    });
    return op(x) as T;
  };
}
