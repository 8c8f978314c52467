import * as tf from '@tensorflow/tfjs-core';

export type GradientCheckOptions = {
  /** Central-difference step (default 1e-3; float32 arithmetic). */
  readonly epsilon?: number;
  readonly atol?: number;
  readonly rtol?: number;
};

export type GradientCheckResult = {
  readonly analytic: number[];
  readonly numeric: number[];
  readonly maxAbsError: number;
};

/**
 * Compares tfjs's gradient of a scalar function of one tensor with central finite differences,
 * evaluated in float64 from float32 function values. Throws when they disagree.
 */
export function checkGradient(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  options: GradientCheckOptions = {},
): GradientCheckResult {
  const eps = options.epsilon ?? 1e-3;
  const atol = options.atol ?? 2e-3;
  const rtol = options.rtol ?? 2e-2;
  const analytic = tf.tidy(() => Array.from(tf.grad(f)(x).dataSync()));
  const base = Array.from(x.dataSync());
  const numeric: number[] = [];
  for (let i = 0; i < base.length; i++) {
    const at = (delta: number): number =>
      tf.tidy(() => {
        const values = base.slice();
        values[i] = (values[i] as number) + delta;
        return f(tf.tensor(values, x.shape, 'float32')).dataSync()[0] as number;
      });
    numeric.push((at(eps) - at(-eps)) / (2 * eps));
  }
  let maxAbsError = 0;
  for (let i = 0; i < base.length; i++) {
    const a = analytic[i] as number;
    const n = numeric[i] as number;
    const err = Math.abs(a - n);
    maxAbsError = Math.max(maxAbsError, err);
    if (!(err <= atol + rtol * Math.abs(n))) {
      throw new Error(`gradient mismatch at flat index ${i}: analytic ${a} vs finite difference ${n}`);
    }
  }
  return { analytic, numeric, maxAbsError };
}
