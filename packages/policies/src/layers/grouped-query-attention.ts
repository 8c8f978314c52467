import { getWasmKernels } from '@prefplay/backend-wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';
import { causalMask, type LayerKeyValues } from './causal-attention.js';

/**
 * Scaled dot-product attention with grouped-query heads (`numHeads` query heads sharing
 * `numKeyValueHeads` key/value heads; query head `h` reads key/value head `⌊h / group⌋`, as
 * Hugging Face's `repeat_kv`), without copying keys and values per group: the group's queries are
 * stacked along the query axis of their key/value head.
 *
 * `queries` is `[batch·queryLength, numHeads·headDim]`, `keys` and `values` are
 * `[batch·queryLength, numKeyValueHeads·headDim]` (positions already encoded). `past` holds earlier
 * keys and values `[batch, numKeyValueHeads, pastLength, headDim]`; `present` is past and new
 * concatenated. The mask is additive and broadcastable to `[batch, 1, queryLength, keyLength]`.
 * Output: `[batch·queryLength, numHeads·headDim]`.
 *
 * With `causal` (query i sees keys ≤ i, nothing else masked), no `past` and `keepKeyValues: false`,
 * the wasm backend runs the fused grouped causal-attention kernel of
 * `@prefplay/backend-wasm-kernels` (no mask, no score tensors, keys and values never repeated).
 */
export function groupedQueryAttention(options: {
  readonly queries: tf.Tensor2D;
  readonly keys: tf.Tensor2D;
  readonly values: tf.Tensor2D;
  readonly batch: number;
  readonly queryLength: number;
  readonly numHeads: number;
  readonly numKeyValueHeads: number;
  readonly mask?: tf.Tensor4D | undefined;
  /** The mask is exactly causal within this call's queries (no padding, no past). */
  readonly causal?: boolean | undefined;
  /** Return the keys and values (default true). */
  readonly keepKeyValues?: boolean | undefined;
  readonly past?: LayerKeyValues | undefined;
}): { output: tf.Tensor2D; present: LayerKeyValues | undefined } {
  const { batch, queryLength: tq, numHeads, numKeyValueHeads: kvHeads, past } = options;
  const keep = options.keepKeyValues ?? true;
  const kernels = options.causal && !past && !keep ? getWasmKernels() : undefined;
  if (kernels) {
    const output = kernels.groupedCausalAttention(options.queries, options.keys, options.values, {
      batch,
      length: tq,
      numHeads,
      numKeyValueHeads: kvHeads,
    });
    return { output, present: undefined };
  }
  const mask = options.mask ?? (options.causal ? causalMask(tq) : undefined);
  const headDim = options.queries.shape[1] / numHeads;
  const group = numHeads / kvHeads;
  const split = (x: tf.Tensor2D) =>
    tf.transpose(tf.reshape(x, [batch, tq, kvHeads, headDim]), [0, 2, 1, 3]) as tf.Tensor4D;
  let keys = split(options.keys);
  let values = split(options.values);
  if (past) {
    keys = tf.concat([past.keys, keys], 2);
    values = tf.concat([past.values, values], 2);
  }
  const tk = keys.shape[2];
  // [batch, kvHeads, group·tq, headDim]: the queries of one key/value head, group by group.
  const queries = tf.reshape(
    tf.transpose(tf.reshape(options.queries, [batch, tq, kvHeads, group, headDim]), [0, 2, 3, 1, 4]),
    [batch, kvHeads, group * tq, headDim],
  );
  const scores = tf.mul(tf.matMul(queries, keys, false, true), 1 / Math.sqrt(headDim));
  let weights: tf.Tensor;
  if (mask) {
    const grouped = tf.reshape(scores, [batch, kvHeads, group, tq, tk]);
    const masked = tf.add(grouped, tf.reshape(mask, [mask.shape[0], 1, 1, tq, tk]));
    weights = tf.reshape(tf.softmax(masked), [batch, kvHeads, group * tq, tk]);
  } else {
    weights = tf.softmax(scores);
  }
  const attended = tf.reshape(tf.matMul(weights as tf.Tensor4D, values), [batch, kvHeads, group, tq, headDim]);
  const merged = tf.reshape(tf.transpose(attended, [0, 3, 1, 2, 4]), [batch * tq, numHeads * headDim]);
  return { output: merged as tf.Tensor2D, present: { keys, values } };
}
