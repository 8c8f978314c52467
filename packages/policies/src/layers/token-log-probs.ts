import * as tf from '@tensorflow/tfjs-core';
import { floatOneHot } from './float-one-hot.js';

/** Default logits entries per chunk (4 Mi floats, 16 MB). */
const chunkEntries = 1 << 22;
/** Up to this many `rows × vocabulary` entries (64 MB) the softmax is kept for the backward pass. */
const keptEntries = 1 << 24;

export type TokenLogProbsOptions = {
  /** Rows of logits computed at once (default: as many as fit in 4 Mi entries, at least 1). */
  readonly chunkRows?: number;
  /**
   * Keep the softmax for the backward pass when `rows × vocabulary` is at most this (default 16 Mi
   * entries, 64 MB); above it the backward pass recomputes each chunk's logits instead.
   */
  readonly keepSoftmaxEntries?: number;
  /**
   * Whether a gradient flows into `head` (default true). Pass false for a frozen head (e.g. under
   * LoRA): the backward pass then skips the `[width, vocabulary]` head gradient.
   */
  readonly headGradient?: boolean;
};

/**
 * `log softmax(hidden @ head)[i, targets[i]]` for every row, `[rows]`, without ever holding the
 * `[rows, vocabulary]` logits: rows are processed in chunks whose logits are freed before the next
 * chunk, in the forward pass and again (recomputed, unless the softmax is small enough to keep) in
 * the backward pass, which returns
 * `d hidden = (onehot − softmax)·dy @ headᵀ` and `d head = hiddenᵀ @ (onehot − softmax)·dy`. All
 * products are 2-D and flag-free (the wasm backend's fast path). `hidden` is `[rows, width]`,
 * `head` is `[width, vocabulary]`, `targets` are ids in `[0, vocabulary)`.
 */
export function tokenLogProbs(
  hidden: tf.Tensor2D,
  head: tf.Tensor2D,
  targets: Int32Array,
  options: TokenLogProbsOptions = {},
): tf.Tensor1D {
  const [rows, width] = hidden.shape;
  const vocabulary = head.shape[1];
  if (targets.length !== rows) throw new Error(`tokenLogProbs: ${targets.length} targets for ${rows} rows`);
  const chunk = Math.max(1, Math.min(rows, options.chunkRows ?? Math.floor(chunkEntries / vocabulary)));
  const starts: number[] = [];
  for (let start = 0; start < rows; start += chunk) starts.push(start);
  const size = (start: number) => Math.min(chunk, rows - start);

  // Keep each chunk's softmax only while a gradient is being recorded and it is small enough.
  const keep = rows * vocabulary <= (options.keepSoftmaxEntries ?? keptEntries) && tf.engine().state.gradientDepth > 0;

  const forward = (h: tf.Tensor2D, w: tf.Tensor2D): { logps: tf.Tensor1D; softmax: tf.Tensor2D[] } => {
    const softmax: tf.Tensor2D[] = [];
    const parts = starts.map((start) =>
      tf.tidy(() => {
        const n = size(start);
        const logits = tf.matMul(tf.slice(h, [start, 0], [n, width]), w);
        const flat = new Int32Array(n);
        for (let i = 0; i < n; i++) flat[i] = i * vocabulary + (targets[start + i] as number);
        const picked = tf.gather(tf.reshape(logits, [n * vocabulary]), tf.tensor1d(flat, 'int32'));
        const logSumExp = tf.logSumExp(logits, 1, true);
        if (keep) softmax.push(tf.keep(tf.exp(tf.sub(logits, logSumExp))) as tf.Tensor2D);
        return tf.sub(picked, tf.reshape(logSumExp, [n])) as tf.Tensor1D;
      }),
    );
    if (parts.length === 1) return { logps: parts[0] as tf.Tensor1D, softmax };
    const joined = tf.concat(parts) as tf.Tensor1D;
    tf.dispose(parts);
    return { logps: joined, softmax };
  };

  const backward = (
    dy: tf.Tensor1D,
    h: tf.Tensor2D,
    w: tf.Tensor2D,
    wantHead: boolean,
    softmax: readonly tf.Tensor[],
  ) => {
    if (softmax.length > 0 && softmax.length === starts.length) {
      // The softmax was kept (it is small): one gradient matrix and two products, so the
      // `[width, vocabulary]` head gradient is built once, not summed chunk by chunk.
      return tf.tidy(() => {
        const probabilities =
          softmax.length === 1 ? (softmax[0] as tf.Tensor2D) : (tf.concat(softmax as tf.Tensor2D[]) as tf.Tensor2D);
        const oneHot = floatOneHot(tf.tensor1d(targets, 'int32'), vocabulary);
        const g = tf.mul(tf.sub(oneHot, probabilities), tf.reshape(dy, [rows, 1])) as tf.Tensor2D;
        const hiddenGrad = tf.transpose(tf.matMul(w, tf.transpose(g))) as tf.Tensor2D;
        const headGrad = wantHead ? (tf.matMul(tf.transpose(h), g) as tf.Tensor2D) : undefined;
        return headGrad ? { hiddenGrad, headGrad } : { hiddenGrad };
      }) as { hiddenGrad: tf.Tensor2D; headGrad?: tf.Tensor2D };
    }
    let headGrad: tf.Tensor2D | undefined;
    const hiddenParts = starts.map((start) => {
      const n = size(start);
      const [dh, dw] = tf.tidy(() => {
        const slice = tf.slice(h, [start, 0], [n, width]);
        const probabilities = tf.softmax(tf.matMul(slice, w));
        const oneHot = floatOneHot(tf.tensor1d(targets.subarray(start, start + n), 'int32'), vocabulary);
        const g = tf.mul(tf.sub(oneHot, probabilities), tf.reshape(tf.slice(dy, [start], [n]), [n, 1])) as tf.Tensor2D;
        // d hidden = g @ wᵀ, computed as (w @ gᵀ)ᵀ: transposes only the chunk, never the head.
        const dhChunk = tf.transpose(tf.matMul(w, tf.transpose(g))) as tf.Tensor2D;
        if (!wantHead) return [dhChunk, undefined];
        const contribution = tf.matMul(tf.transpose(slice), g) as tf.Tensor2D;
        return [dhChunk, headGrad ? (tf.add(headGrad, contribution) as tf.Tensor2D) : contribution];
      }) as [tf.Tensor2D, tf.Tensor2D | undefined];
      if (dw) {
        headGrad?.dispose();
        headGrad = dw;
      }
      return dh;
    });
    const hiddenGrad =
      hiddenParts.length === 1 ? (hiddenParts[0] as tf.Tensor2D) : (tf.concat(hiddenParts) as tf.Tensor2D);
    if (hiddenParts.length > 1) tf.dispose(hiddenParts);
    return { hiddenGrad, headGrad };
  };

  if (options.headGradient === false) {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [h, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      const { logps, softmax } = forward(h, head);
      save([h, ...softmax]);
      tf.dispose(softmax);
      return {
        value: logps,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
          backward(dy as tf.Tensor1D, saved[0] as tf.Tensor2D, head, false, saved.slice(1)).hiddenGrad,
        ],
      };
    });
    return op(hidden) as tf.Tensor1D;
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [h, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const { logps, softmax } = forward(h, w);
    save([h, w, ...softmax]);
    tf.dispose(softmax);
    return {
      value: logps,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const { hiddenGrad, headGrad } = backward(
          dy as tf.Tensor1D,
          saved[0] as tf.Tensor2D,
          saved[1] as tf.Tensor2D,
          true,
          saved.slice(2),
        );
        return [hiddenGrad, headGrad as tf.Tensor2D];
      },
    };
  });
  return op(hidden, head) as tf.Tensor1D;
}
