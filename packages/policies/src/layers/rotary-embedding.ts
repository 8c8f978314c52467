import * as tf from '@tensorflow/tfjs-core';
import { fastMatMul } from './fast-mat-mul.js';

/** How rotary frequencies are scaled (Hugging Face's `rope_scaling`). */
export type RopeScaling =
  | { readonly type: 'linear'; readonly factor: number }
  | {
      readonly type: 'llama3';
      readonly factor: number;
      readonly lowFrequencyFactor: number;
      readonly highFrequencyFactor: number;
      readonly originalMaxPositions: number;
    };

/**
 * Rotary inverse frequencies `1/θ^(2i/headDim)` for `i < headDim/2`, computed in float32 as
 * Hugging Face's rope initialisation does, with optional linear or llama3 scaling.
 */
export function ropeInverseFrequencies(headDim: number, theta: number, scaling?: RopeScaling): Float32Array {
  const half = headDim / 2;
  const out = new Float32Array(half);
  const base = Math.fround(theta);
  for (let i = 0; i < half; i++) {
    out[i] = Math.fround(1 / Math.fround(base ** Math.fround(Math.fround(2 * i) / headDim)));
  }
  if (scaling?.type === 'linear') {
    for (let i = 0; i < half; i++) out[i] = Math.fround((out[i] as number) / scaling.factor);
  } else if (scaling?.type === 'llama3') {
    const { factor, lowFrequencyFactor: low, highFrequencyFactor: high, originalMaxPositions: old } = scaling;
    const lowWavelength = old / low;
    const highWavelength = old / high;
    for (let i = 0; i < half; i++) {
      const frequency = out[i] as number;
      const wavelength = (2 * Math.PI) / frequency;
      if (wavelength > lowWavelength) out[i] = Math.fround(frequency / factor);
      else if (wavelength >= highWavelength) {
        const smooth = (old / wavelength - low) / (high - low);
        out[i] = Math.fround(((1 - smooth) * frequency) / factor + smooth * frequency);
      }
    }
  }
  return out;
}

/**
 * `cos` and `sin` tables `[rows, headDim]` for the position of each row: angle `pos·f_i` (a float32
 * product, as in Hugging Face) repeated over the two halves of the head.
 */
export function rotaryTables(
  positions: ArrayLike<number>,
  inverseFrequencies: Float32Array,
): {
  cos: Float32Array;
  sin: Float32Array;
} {
  const half = inverseFrequencies.length;
  const width = 2 * half;
  const cos = new Float32Array(positions.length * width);
  const sin = new Float32Array(positions.length * width);
  for (let r = 0; r < positions.length; r++) {
    const position = positions[r] as number;
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(position * (inverseFrequencies[i] as number));
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[r * width + i] = c;
      cos[r * width + half + i] = c;
      sin[r * width + i] = s;
      sin[r * width + half + i] = s;
    }
  }
  return { cos, sin };
}

/** `[headDim, headDim]` matrix `R` with `x @ R = rotate_half(x) = (−x₂, x₁)`. */
function rotateHalfMatrix(headDim: number): tf.Tensor2D {
  const half = headDim / 2;
  const values = new Float32Array(headDim * headDim);
  for (let i = 0; i < half; i++) {
    values[(half + i) * headDim + i] = -1; // output i takes −x[half + i]
    values[i * headDim + half + i] = 1; // output half + i takes x[i]
  }
  return tf.tensor2d(values, [headDim, headDim]);
}

/**
 * Applies rotary position embeddings in Hugging Face's half-rotation layout to `x`
 * `[rows, heads·headDim]`: per head `x·cos + rotate_half(x)·sin`, with `cos`/`sin` tables
 * `[rows, headDim]` (from `rotaryTables`). `rotate_half` is a 2-D product with a constant
 * permutation matrix (fast on wasm, differentiable), so no split or concat is needed.
 */
export function applyRotaryEmbedding(
  x: tf.Tensor2D,
  tables: { readonly cos: tf.Tensor2D; readonly sin: tf.Tensor2D },
  heads: number,
): tf.Tensor2D {
  const [rows, width] = x.shape;
  const headDim = width / heads;
  const perHead = tf.reshape(x, [rows * heads, headDim]) as tf.Tensor2D;
  const rotated = fastMatMul(perHead, rotateHalfMatrix(headDim));
  const shape: [number, number, number] = [rows, heads, headDim];
  const cos = tf.reshape(tables.cos, [rows, 1, headDim]);
  const sin = tf.reshape(tables.sin, [rows, 1, headDim]);
  const out = tf.add(tf.mul(tf.reshape(x, shape), cos), tf.mul(tf.reshape(rotated, shape), sin));
  return tf.reshape(out, [rows, width]) as tf.Tensor2D;
}
