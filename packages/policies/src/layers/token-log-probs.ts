import { getWasmKernels, type WasmKernels } from '@prefplay/backend-wasm-kernels';
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
  const chunks: Chunks = {
    rows,
    width,
    vocabulary,
    starts,
    size: (start) => Math.min(chunk, rows - start),
    // Keep each chunk's softmax (or logits) only while a gradient is recorded and it is small enough.
    keep: rows * vocabulary <= (options.keepSoftmaxEntries ?? keptEntries) && tf.engine().state.gradientDepth > 0,
  };
  const kernels = getWasmKernels();
  const { forward, backward } = kernels ? kernelPasses(kernels, chunks, targets) : plainPasses(chunks, targets);

  if (options.headGradient === false) {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [h, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      const { logps, saved } = forward(h, head);
      save([h, ...saved]);
      tf.dispose(saved);
      return {
        value: logps,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], kept: tf.Tensor[]) => [
          backward(dy as tf.Tensor1D, kept[0] as tf.Tensor2D, head, false, kept.slice(1)).hiddenGrad,
        ],
      };
    });
    return op(hidden) as tf.Tensor1D;
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [h, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const { logps, saved } = forward(h, w);
    save([h, w, ...saved]);
    tf.dispose(saved);
    return {
      value: logps,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], kept: tf.Tensor[]) => {
        const { hiddenGrad, headGrad } = backward(
          dy as tf.Tensor1D,
          kept[0] as tf.Tensor2D,
          kept[1] as tf.Tensor2D,
          true,
          kept.slice(2),
        );
        return [hiddenGrad, headGrad as tf.Tensor2D];
      },
    };
  });
  return op(hidden, head) as tf.Tensor1D;
}

/** How the rows are split into chunks, and whether the forward pass keeps what the backward needs. */
type Chunks = {
  readonly rows: number;
  readonly width: number;
  readonly vocabulary: number;
  readonly starts: readonly number[];
  readonly size: (start: number) => number;
  readonly keep: boolean;
};

type Gradients = { hiddenGrad: tf.Tensor2D; headGrad?: tf.Tensor2D | undefined };

/**
 * The two passes over the chunks: `forward` returns the log-probs and the tensors the backward pass
 * reads back (`saved`, which the caller keeps), `backward` the gradients from them.
 */
type Passes = {
  forward(h: tf.Tensor2D, w: tf.Tensor2D): { logps: tf.Tensor1D; saved: tf.Tensor[] };
  backward(dy: tf.Tensor1D, h: tf.Tensor2D, w: tf.Tensor2D, wantHead: boolean, saved: readonly tf.Tensor[]): Gradients;
};

/** Concatenated per-chunk results (the tensor itself when there is one chunk; the parts are disposed). */
function joined<T extends tf.Tensor>(parts: T[]): T {
  if (parts.length === 1) return parts[0] as T;
  const out = tf.concat(parts) as T;
  tf.dispose(parts);
  return out;
}

/** With tfjs ops: flag-free 2-D products, the softmax kept per chunk when small. */
function plainPasses(chunks: Chunks, targets: Int32Array): Passes {
  const { rows, width, vocabulary, starts, size, keep } = chunks;
  return {
    forward(h, w) {
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
      return { logps: joined(parts), saved: softmax };
    },
    backward(dy, h, w, wantHead, softmax) {
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
        }) as Gradients;
      }
      let headGrad: tf.Tensor2D | undefined;
      const hiddenParts = starts.map((start) => {
        const n = size(start);
        const [dh, dw] = tf.tidy(() => {
          const slice = tf.slice(h, [start, 0], [n, width]);
          const probabilities = tf.softmax(tf.matMul(slice, w));
          const oneHot = floatOneHot(tf.tensor1d(targets.subarray(start, start + n), 'int32'), vocabulary);
          const g = tf.mul(
            tf.sub(oneHot, probabilities),
            tf.reshape(tf.slice(dy, [start], [n]), [n, 1]),
          ) as tf.Tensor2D;
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
      return { hiddenGrad: joined(hiddenParts), headGrad };
    },
  };
}

/**
 * On the wasm kernels: per chunk, the logits by the strided product, the log-softmax at the targets
 * and the log-sum-exp by the fused kernel; the backward pass turns each chunk's logits (kept when
 * small, else recomputed) into `(onehot − softmax)·dy` by the fused kernel, then `d hidden = g @
 * headᵀ` and `d head = hiddenᵀ @ g` by the strided product, with no transposed copies. `saved` is
 * every chunk's log-sum-exp, then (when kept) every chunk's logits.
 */
function kernelPasses(kernels: WasmKernels, chunks: Chunks, targets: Int32Array): Passes {
  const { product, tokenLogProbs: logProbs, tokenLogProbsGradient } = kernels.parts;
  const { width, starts, size, keep } = chunks;
  const chunkTargets = (start: number) => tf.tensor1d(targets.subarray(start, start + size(start)), 'int32');
  const rowsOf = (h: tf.Tensor2D, start: number) =>
    starts.length === 1 ? h : (tf.slice(h, [start, 0], [size(start), width]) as tf.Tensor2D);
  return {
    forward(h, w) {
      const logps: tf.Tensor1D[] = [];
      const lses: tf.Tensor1D[] = [];
      const logits: tf.Tensor2D[] = [];
      for (const start of starts) {
        const [logp, lse, kept] = tf.tidy(() => {
          const z = product(rowsOf(h, start), w) as tf.Tensor2D;
          const [value, l] = logProbs(z, chunkTargets(start));
          return keep ? [value, l, z] : [value, l];
        }) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor2D?];
        logps.push(logp);
        lses.push(lse);
        if (kept) logits.push(kept);
      }
      return { logps: joined(logps), saved: [...lses, ...logits] };
    },
    backward(dy, h, w, wantHead, saved) {
      const lses = saved.slice(0, starts.length);
      const logits = saved.slice(starts.length);
      let headGrad: tf.Tensor2D | undefined;
      // When the logits were kept (they are small), the chunks' gradients are kept too and the head
      // gradient is one product over all rows instead of a sum of per-chunk products.
      const oneHeadProduct = wantHead && starts.length > 1 && logits.length === starts.length;
      const gradients: tf.Tensor2D[] = [];
      const hiddenParts = starts.map((start, i) => {
        const [dh, dw] = tf.tidy(() => {
          const slice = rowsOf(h, start);
          const z = (logits[i] as tf.Tensor2D | undefined) ?? (product(slice, w) as tf.Tensor2D);
          const dyChunk = starts.length === 1 ? dy : (tf.slice(dy, [start], [size(start)]) as tf.Tensor1D);
          const g = tokenLogProbsGradient(z, chunkTargets(start), lses[i] as tf.Tensor1D, dyChunk);
          const dhChunk = product(g, w, { transposeB: true }) as tf.Tensor2D;
          if (!wantHead) return [dhChunk, undefined];
          if (oneHeadProduct) return [dhChunk, g];
          const contribution = product(slice, g, { transposeA: true }) as tf.Tensor2D;
          return [dhChunk, headGrad ? (tf.add(headGrad, contribution) as tf.Tensor2D) : contribution];
        }) as [tf.Tensor2D, tf.Tensor2D | undefined];
        if (dw && oneHeadProduct) gradients.push(dw);
        else if (dw) {
          headGrad?.dispose();
          headGrad = dw;
        }
        return dh;
      });
      if (oneHeadProduct) {
        headGrad = tf.tidy(() => product(h, tf.concat(gradients), { transposeA: true }) as tf.Tensor2D);
        tf.dispose(gradients);
      }
      return { hiddenGrad: joined(hiddenParts), headGrad };
    },
  };
}
