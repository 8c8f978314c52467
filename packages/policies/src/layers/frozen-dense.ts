import { getWasmKernels } from '@prefplay/backend-wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';

/**
 * `x @ kernel (+ bias)` where `kernel` and `bias` are constants (frozen weights, e.g. the base of a
 * LoRA model): only `d x = dy @ kernelᵀ` is computed in the backward pass, with flag-free 2-D
 * products (transposing the kernel, or the gradient and the result when they are smaller), never
 * the weight gradients. Do not use it for weights that are trained: they would get
 * no gradient.
 */
export function frozenDense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  const kernels = getWasmKernels();
  if (kernels) {
    // The strided kernel multiplies by kernelᵀ in place: nothing is transposed either way.
    const { product } = kernels.parts;
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const y = product(args[0] as tf.Tensor2D, kernel);
      return {
        value: (bias ? tf.add(y, bias) : y) as tf.Tensor2D,
        gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [product(dy as tf.Tensor2D, kernel, { transposeB: true })],
      };
    });
    return op(x) as tf.Tensor2D;
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    const product = tf.matMul(input, kernel);
    return {
      value: (bias ? tf.add(product, bias) : product) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const upstream = dy as tf.Tensor2D;
        const [rows, outputs] = upstream.shape;
        const inputs = kernel.shape[0];
        // Transpose whichever is smaller: the kernel, or the upstream gradient and the result.
        if (rows * (inputs + outputs) < inputs * outputs) {
          return [tf.transpose(tf.matMul(kernel, tf.transpose(upstream)))];
        }
        return [tf.matMul(upstream, tf.transpose(kernel))];
      },
    };
  });
  return op(x) as tf.Tensor2D;
}
