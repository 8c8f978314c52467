import * as tf from '@tensorflow/tfjs-core';
import type { KernelInstance } from './kernel-instance.js';
import { defineKernel, firstOutput, recordingGradients, runKernel } from './kernel-registry.js';

/** `y = x·W + b` (+ residual), or `[gelu(u), u]` with `u = x·W + b` when `gelu` is set. */
export const denseKernel = defineKernel('PrefplayDense', (instance, inputs, attrs) => {
  const x = inputs.x as tf.TensorInfo;
  const kernel = inputs.kernel as tf.TensorInfo;
  const bias = inputs.bias as tf.TensorInfo;
  const residual = inputs.residual as tf.TensorInfo | undefined;
  const [m, k] = x.shape as [number, number];
  const n = kernel.shape[1] as number;
  const gelu = attrs.gelu === true;
  const e = instance.exports;
  const out = instance.output([m, n]);
  const pre = gelu ? instance.output([m, n]) : out;
  if (residual) instance.copy(out.offset, instance.offset(residual), m * n * 4);
  const scratch = instance.scratch(e.sgemm_scratch_floats());
  e.sgemm(
    m,
    n,
    k,
    instance.offset(x),
    k,
    1,
    instance.offset(kernel),
    n,
    1,
    pre.offset,
    n,
    1,
    residual ? 1 : 0,
    instance.offset(bias),
    1,
    0,
    0,
    0,
    scratch,
  );
  if (!gelu) return out.info;
  e.gelu_forward(m * n, pre.offset, out.offset);
  return [out.info, pre.info];
});

/** Gradients of the dense layer: `[dx, dW, db]` from `x`, `W`, `dy` (and `u` through GELU). */
export const denseBackwardKernel = defineKernel('PrefplayDenseBackward', (instance, inputs) => {
  const x = inputs.x as tf.TensorInfo;
  const kernel = inputs.kernel as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const pre = inputs.pre as tf.TensorInfo | undefined;
  const [m, k] = x.shape as [number, number];
  const n = kernel.shape[1] as number;
  const e = instance.exports;
  const packFloats = e.sgemm_scratch_floats();
  const scratch = instance.scratch(packFloats + (pre ? m * n : 0));
  let g = instance.offset(dy);
  if (pre) {
    const local = scratch + packFloats * 4;
    e.gelu_backward(m * n, instance.offset(pre), g, local);
    g = local;
  }
  const dx = instance.output([m, k]);
  const dw = instance.output([k, n]);
  const db = instance.output([n]);
  const w = instance.offset(kernel);
  // dx = g·Wᵀ: op(B)(j, c) = W[c, j]
  e.sgemm(m, k, n, g, n, 1, w, 1, n, dx.offset, k, 1, 0, 0, 1, 0, 0, 0, scratch);
  // dW = xᵀ·g: op(A)(c, i) = x[i, c]
  e.sgemm(k, n, m, instance.offset(x), 1, k, g, n, 1, dw.offset, n, 1, 0, 0, 1, 0, 0, 0, scratch);
  e.column_sum(m, n, g, n, db.offset, 0);
  return [dx.info, dw.info, db.info];
});

export type DenseOptions = {
  /** Apply tanh-approximate GELU to the output (fused; the pre-activation is kept for the gradient). */
  readonly activation?: 'gelu';
  /** Added to the output (a residual connection); its gradient is the output's. */
  readonly residual?: tf.Tensor2D;
};

/** `x·W + b` for 2-D `x`, with an optional fused GELU or residual, differentiable in every input. */
export function createDense(_instance: KernelInstance) {
  return (x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, options: DenseOptions = {}): tf.Tensor2D => {
    const gelu = options.activation === 'gelu';
    const residual = options.residual;
    if (!recordingGradients()) {
      const inputs: tf.NamedTensorMap = { x, kernel, bias };
      if (residual && !gelu) inputs.residual = residual;
      const value = firstOutput<tf.Tensor2D>(runKernel(denseKernel, inputs, { gelu }));
      if (!(residual && gelu)) return value;
      const sum = tf.add(value, residual) as tf.Tensor2D;
      value.dispose();
      return sum;
    }
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const [xs, ws, bs, rs] = args.slice(0, -1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D | undefined];
      const inputs: tf.NamedTensorMap = { x: xs, kernel: ws, bias: bs };
      if (rs && !gelu) inputs.residual = rs;
      const outs = runKernel(denseKernel, inputs, { gelu });
      const value = outs[0] as tf.Tensor2D;
      save(gelu ? [xs, ws, outs[1] as tf.Tensor] : [xs, ws]);
      return {
        value,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [sx, sw, pre] = saved as [tf.Tensor, tf.Tensor, tf.Tensor | undefined];
          const grads: tf.NamedTensorMap = { x: sx, kernel: sw, dy: dy as tf.Tensor };
          if (pre) grads.pre = pre;
          const result = runKernel(denseBackwardKernel, grads);
          return rs && !gelu ? [...result, tf.clone(dy as tf.Tensor)] : result;
        },
      };
    });
    const value = residual && !gelu ? op(x, kernel, bias, residual) : op(x, kernel, bias);
    return (residual && gelu ? tf.add(value, residual) : value) as tf.Tensor2D;
  };
}
