import { PrefplayError } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelInstance } from './kernel-instance.js';
import { defineKernel, recordingGradients, runKernel } from './kernel-registry.js';

const file = 'packages/backend-wasm-kernels/src/mat-mul-kernel.ts';

/** Row and column strides of op(X) for a row-major `[rows, cols]` matrix, transposed or not. */
function strides(cols: number, transpose: boolean): [number, number] {
  return transpose ? [1, cols] : [cols, 1];
}

/** `C = op(A)·op(B)` for row-major 2-D operands or 3-D operands with one batch size. */
export const matMulKernel = defineKernel('PrefplayMatMul', (instance, inputs, attrs) => {
  const a = inputs.a as tf.TensorInfo;
  const b = inputs.b as tf.TensorInfo;
  const transposeA = attrs.transposeA === true;
  const transposeB = attrs.transposeB === true;
  const batched = a.shape.length === 3;
  const batch = batched ? (a.shape[0] as number) : 1;
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  const out = instance.output(batched ? [batch, m, n] : [m, n]);
  const [rsA, csA] = strides(aCols, transposeA);
  const [rsB, csB] = strides(bCols, transposeB);
  const scratch = instance.scratch(instance.exports.sgemm_scratch_floats());
  instance.exports.sgemm(
    m,
    n,
    k,
    instance.offset(a),
    rsA,
    csA,
    instance.offset(b),
    rsB,
    csB,
    out.offset,
    n,
    1,
    0,
    0,
    batch,
    aRows * aCols,
    bRows * bCols,
    m * n,
    scratch,
  );
  return out.info;
});

function checkOperands(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): void {
  const rank = a.rank;
  const ok =
    (rank === 2 || rank === 3) &&
    b.rank === rank &&
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    (rank === 2 || a.shape[0] === b.shape[0]);
  const k = transposeA ? a.shape[rank - 2] : a.shape[rank - 1];
  const kb = transposeB ? b.shape[rank - 1] : b.shape[rank - 2];
  if (!ok || k !== kb) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `matMul: cannot multiply float32 [${a.shape.join(', ')}]${transposeA ? 'ᵀ' : ''} by [${b.shape.join(', ')}]${transposeB ? 'ᵀ' : ''}`,
      where: { file },
      hint: 'Pass two 2-D matrices, or two 3-D batches of the same size, whose inner dimensions agree',
    });
  }
}

/** Non-differentiable `op(A)·op(B)` on the kernel. */
export function matMulValue(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  return runKernel(matMulKernel, { a, b }, { transposeA, transposeB })[0] as tf.Tensor;
}

export type MatMulOptions = { readonly transposeA?: boolean; readonly transposeB?: boolean };

/**
 * `op(A)·op(B)` with any transposition, 2-D or batched 3-D, differentiable; forward and backward
 * run on the strided kernel, so no operand is ever transposed in memory.
 */
export function createMatMul(_instance: KernelInstance) {
  return (a: tf.Tensor, b: tf.Tensor, options: MatMulOptions = {}): tf.Tensor => {
    const transposeA = options.transposeA ?? false;
    const transposeB = options.transposeB ?? false;
    checkOperands(a, b, transposeA, transposeB);
    if (!recordingGradients()) return matMulValue(a, b, transposeA, transposeB);
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, y, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      save([x, y]);
      return {
        value: matMulValue(x, y, transposeA, transposeB),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
          const g = dy as tf.Tensor;
          const gradA = transposeA ? matMulValue(sb, g, transposeB, true) : matMulValue(g, sb, false, !transposeB);
          const gradB = transposeB ? matMulValue(g, sa, true, transposeA) : matMulValue(sa, g, !transposeA, false);
          return [gradA, gradB];
        },
      };
    });
    return op(a, b);
  };
}
