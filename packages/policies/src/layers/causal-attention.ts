import { getWasmKernels } from '@prefplay/backend-wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';

/** Keys and values of one layer, `[batch, heads, length, headSize]` each. */
export type LayerKeyValues = { readonly keys: tf.Tensor4D; readonly values: tf.Tensor4D };

/** Additive mask value for a key a query may not see (finite so fully masked rows stay finite). */
export const maskedScore = -1e9;

/** `[1, 1, length, length]` additive causal mask: 0 where key ≤ query, `maskedScore` after. */
export function causalMask(length: number): tf.Tensor4D {
  const values = new Float32Array(length * length);
  for (let q = 0; q < length; q++) for (let k = q + 1; k < length; k++) values[q * length + k] = maskedScore;
  return tf.tensor4d(values, [1, 1, length, length]);
}

/**
 * `[batch, 1, queryLength, pastLength + queryLength]` additive mask for left-padded rows: query `q`
 * (absolute index `pastLength + q`) sees key `k` when `padding[b] ≤ k ≤ pastLength + q`.
 */
export function paddedCausalMask(padding: readonly number[], pastLength: number, queryLength: number): tf.Tensor4D {
  const keyLength = pastLength + queryLength;
  const values = new Float32Array(padding.length * queryLength * keyLength);
  padding.forEach((pad, b) => {
    for (let q = 0; q < queryLength; q++) {
      const base = (b * queryLength + q) * keyLength;
      for (let k = 0; k < keyLength; k++) {
        if (k < pad || k > pastLength + q) values[base + k] = maskedScore;
      }
    }
  });
  return tf.tensor4d(values, [padding.length, 1, queryLength, keyLength]);
}

function splitHeads(x: tf.Tensor2D, batch: number, length: number, numHeads: number): tf.Tensor4D {
  const headSize = x.shape[1] / numHeads;
  return tf.transpose(tf.reshape(x, [batch, length, numHeads, headSize]), [0, 2, 1, 3]);
}

/** Options of `multiHeadAttention`. */
export type MultiHeadAttentionOptions = {
  readonly qkv: tf.Tensor2D;
  readonly batch: number;
  readonly queryLength: number;
  readonly numHeads: number;
  /** Omit only when every query may see every key (e.g. one new token and no padding), or with `causal`. */
  readonly mask?: tf.Tensor4D | undefined;
  /** The mask is exactly causal within this call's queries (no padding, no past). */
  readonly causal?: boolean | undefined;
  readonly past?: LayerKeyValues | undefined;
  /** Return this layer's keys and values (default true). */
  readonly keepKeyValues?: boolean | undefined;
};

/**
 * Multi-head scaled dot-product attention from a fused `[batch·queryLength, 3·d]` projection
 * (queries, keys, values side by side). `past` holds earlier keys and values (a cache); the
 * returned `present` is past and new concatenated. Output is `[batch·queryLength, d]`.
 *
 * With `causal` (query i sees keys ≤ i, nothing else masked), no `past` and no `present` wanted,
 * the wasm backend runs the fused causal-attention kernel of `@prefplay/backend-wasm-kernels` (no
 * mask tensor, no score tensors, tiles above the diagonal skipped); elsewhere `mask` (or, when
 * absent, a causal mask built here) is added to the scores.
 */
export function multiHeadAttention(
  options: MultiHeadAttentionOptions & { readonly keepKeyValues?: true | undefined },
): { output: tf.Tensor2D; present: LayerKeyValues };
export function multiHeadAttention(options: MultiHeadAttentionOptions): {
  output: tf.Tensor2D;
  present: LayerKeyValues | undefined;
};
export function multiHeadAttention(options: MultiHeadAttentionOptions): {
  output: tf.Tensor2D;
  present: LayerKeyValues | undefined;
} {
  const { qkv, batch, queryLength, numHeads, past, causal } = options;
  const keep = options.keepKeyValues ?? true;
  const kernels = causal && !past && !keep ? getWasmKernels() : undefined;
  if (kernels) {
    return { output: kernels.causalAttention(qkv, { batch, length: queryLength, numHeads }), present: undefined };
  }
  const mask = options.mask ?? (causal ? causalMask(queryLength) : undefined);
  const width = qkv.shape[1] / 3;
  const [q, k, v] = tf.split(qkv, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const queries = splitHeads(q, batch, queryLength, numHeads);
  let keys = splitHeads(k, batch, queryLength, numHeads);
  let values = splitHeads(v, batch, queryLength, numHeads);
  if (past) {
    keys = tf.concat([past.keys, keys], 2);
    values = tf.concat([past.values, values], 2);
  }
  const scale = 1 / Math.sqrt(width / numHeads);
  const scaled = tf.mul(tf.matMul(queries, keys, false, true), scale);
  const scores = mask ? tf.add(scaled, mask) : scaled;
  const weights = tf.softmax(scores);
  const attended = tf.matMul(weights, values);
  const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch * queryLength, width]) as tf.Tensor2D;
  return { output: merged, present: keep ? { keys, values } : undefined };
}
