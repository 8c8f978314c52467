import * as tf from '@tensorflow/tfjs-core';

export type CloseOptions = {
  /** Absolute tolerance (default 1e-5). */
  readonly atol?: number;
  /** Relative tolerance (default 1e-4). */
  readonly rtol?: number;
  /** Prefix for the failure message. */
  readonly label?: string;
};

function toArray(value: tf.Tensor | number | ArrayLike<number> | readonly (readonly number[])[]): {
  values: number[];
  shape: number[];
} {
  if (value instanceof tf.Tensor) return { values: Array.from(value.dataSync()), shape: value.shape.slice() };
  if (typeof value === 'number') return { values: [value], shape: [] };
  const arr = Array.from(value as ArrayLike<number | readonly number[]>);
  if (arr.length > 0 && Array.isArray(arr[0])) {
    const rows = arr as unknown as number[][];
    return { values: rows.flat(), shape: [rows.length, rows[0]?.length ?? 0] };
  }
  return { values: arr as number[], shape: [arr.length] };
}

/**
 * Throws unless `actual` and `expected` have the same number of elements and every pair satisfies
 * `|a − e| ≤ atol + rtol·|e|`. Accepts tensors, numbers, arrays and 2-D arrays.
 */
export function assertClose(
  actual: tf.Tensor | number | ArrayLike<number> | readonly (readonly number[])[],
  expected: tf.Tensor | number | ArrayLike<number> | readonly (readonly number[])[],
  options: CloseOptions = {},
): void {
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-4;
  const a = toArray(actual);
  const e = toArray(expected);
  const prefix = options.label ? `${options.label}: ` : '';
  if (a.values.length !== e.values.length) {
    throw new Error(
      `${prefix}size mismatch: actual [${a.shape}] (${a.values.length}) vs expected [${e.shape}] (${e.values.length})`,
    );
  }
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.values.length; i++) {
    const av = a.values[i] as number;
    const ev = e.values[i] as number;
    if (Number.isNaN(av) || Number.isNaN(ev)) {
      if (Number.isNaN(av) && Number.isNaN(ev)) continue;
      worst = i;
      worstExcess = Number.POSITIVE_INFINITY;
      break;
    }
    if (av === ev) continue;
    const excess = Math.abs(av - ev) - (atol + rtol * Math.abs(ev));
    if (excess > worstExcess || (excess > 0 && worst < 0)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${prefix}values differ at flat index ${worst}: actual ${a.values[worst]} vs expected ${e.values[worst]} (atol ${atol}, rtol ${rtol})`,
    );
  }
}
