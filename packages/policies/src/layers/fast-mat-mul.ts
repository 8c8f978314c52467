import { getWasmKernels } from '@prefplay/backend-wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';
import { columnSum } from './column-sum.js';
import { gelu } from './layer-norm.js';

const fastMatMulWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [savedA, savedB] = saved as [tf.Tensor2D, tf.Tensor2D];
      const upstream = dy as tf.Tensor2D;
      return [tf.matMul(upstream, tf.transpose(savedB)), tf.matMul(tf.transpose(savedA), upstream)];
    },
  };
});

/**
 * `a @ b` for 2-D tensors whose forward and backward passes are all 2-D products without
 * transpose flags (operands are transposed explicitly first). On the wasm backend only such
 * products reach the fast (XNNPACK) kernel; tfjs's own matMul gradient uses transpose flags and
 * falls to a scalar loop. With `transposeB`, `a @ bᵀ`. On the wasm backend the strided kernel of
 * `@prefplay/backend-wasm-kernels` does every product, transposed or not, without transposing.
 */
export function fastMatMul(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  options: { readonly transposeB?: boolean } = {},
): tf.Tensor2D {
  const kernels = getWasmKernels();
  if (kernels) return kernels.matMul(a, b, options) as tf.Tensor2D;
  return fastMatMulWithGradient(a, options.transposeB ? tf.transpose(b) : b) as tf.Tensor2D;
}

const denseWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, kernel, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, kernel]);
  return {
    value: tf.add(tf.matMul(x, kernel), bias),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [savedX, savedKernel] = saved as [tf.Tensor2D, tf.Tensor2D];
      const upstream = dy as tf.Tensor2D;
      return [
        tf.matMul(upstream, tf.transpose(savedKernel)),
        tf.matMul(tf.transpose(savedX), upstream),
        columnSum(upstream),
      ];
    },
  };
});

/**
 * `x @ kernel + bias` for 2-D `x` as one custom-gradient op built from flag-free 2-D products
 * (the bias gradient too, as `ones @ dy`), for the wasm backend's fast matrix kernel. Options fuse a
 * tanh-GELU on the output or add a residual; on the wasm backend each is one kernel each way.
 */
export function dense(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  options: { readonly activation?: 'gelu'; readonly residual?: tf.Tensor2D } = {},
): tf.Tensor2D {
  const kernels = getWasmKernels();
  if (kernels) return kernels.dense(x, kernel, bias, options);
  let out = denseWithGradient(x, kernel, bias) as tf.Tensor2D;
  if (options.activation === 'gelu') out = gelu(out) as tf.Tensor2D;
  if (options.residual) out = tf.add(options.residual, out) as tf.Tensor2D;
  return out;
}
