import { PrefplayError } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { attentionBackward, attentionForward, type HeapMatrix } from './attention-call.js';
import type { KernelInstance } from './kernel-instance.js';
import { defineKernel, firstOutput, numberAttr, recordingGradients, runKernel } from './kernel-registry.js';

const file = 'packages/backend-wasm-kernels/src/grouped-causal-attention-kernel.ts';

/** Heap views of the queries (and output), keys and values of one grouped attention call, and its sizes. */
function views(queries: tf.TensorInfo, attrs: tf.NamedAttrMap) {
  const length = numberAttr(attrs, 'length');
  const heads = numberAttr(attrs, 'heads');
  const kvHeads = numberAttr(attrs, 'kvHeads');
  const width = queries.shape[1] as number;
  const headSize = width / heads;
  const kvWidth = kvHeads * headSize;
  const wide = (offset: number): HeapMatrix => ({ offset, rs: width, bs: length * width });
  const narrow = (offset: number): HeapMatrix => ({ offset, rs: kvWidth, bs: length * kvWidth });
  const call = { batch: numberAttr(attrs, 'batch'), heads, group: heads / kvHeads, headSize };
  return { length, width, kvWidth, wide, narrow, call };
}

/** `[output, lse]` of causal grouped-query attention from separate queries, keys and values. */
export const groupedCausalAttentionKernel = defineKernel(
  'PrefplayGroupedCausalAttention',
  (instance, inputs, attrs) => {
    const q = inputs.queries as tf.TensorInfo;
    const { length, width, wide, narrow, call } = views(q, attrs);
    const out = instance.output([call.batch * length, width]);
    const lse = instance.output([call.batch, call.heads, length]);
    attentionForward(instance, {
      ...call,
      queryLength: length,
      keyLength: length,
      past: 0,
      q: wide(instance.offset(q)),
      k: narrow(instance.offset(inputs.keys as tf.TensorInfo)),
      v: narrow(instance.offset(inputs.values as tf.TensorInfo)),
      o: wide(out.offset),
      keyStart: 0,
      lse: lse.offset,
    });
    return [out.info, lse.info];
  },
);

/** `[dq, dk, dv]` from the inputs, the forward output, its gradient and the forward's `lse`. */
export const groupedCausalAttentionBackwardKernel = defineKernel(
  'PrefplayGroupedCausalAttentionBackward',
  (instance, inputs, attrs) => {
    const q = inputs.queries as tf.TensorInfo;
    const { length, width, kvWidth, wide, narrow, call } = views(q, attrs);
    const rows = call.batch * length;
    const dq = instance.output([rows, width]);
    const dk = instance.output([rows, kvWidth]);
    const dv = instance.output([rows, kvWidth]);
    attentionBackward(instance, {
      ...call,
      length,
      q: wide(instance.offset(q)),
      k: narrow(instance.offset(inputs.keys as tf.TensorInfo)),
      values: instance.offset(inputs.values as tf.TensorInfo),
      o: wide(instance.offset(inputs.output as tf.TensorInfo)),
      dy: instance.offset(inputs.dy as tf.TensorInfo),
      lse: instance.offset(inputs.lse as tf.TensorInfo),
      dq: wide(dq.offset),
      dk: narrow(dk.offset),
      dv: dv.offset,
    });
    return [dq.info, dk.info, dv.info];
  },
);

export type GroupedCausalAttentionOptions = {
  readonly batch: number;
  readonly length: number;
  readonly numHeads: number;
  /** Key/value heads; `numHeads` must be a multiple (query head h reads key/value head ⌊h·kv/H⌋). */
  readonly numKeyValueHeads: number;
};

function checkShapes(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: GroupedCausalAttentionOptions): void {
  const { batch, length, numHeads, numKeyValueHeads } = options;
  const positive = (n: number) => Number.isInteger(n) && n > 0;
  const rows = batch * length;
  const headSize = (q.shape[1] as number) / numHeads;
  const ok =
    [batch, length, numHeads, numKeyValueHeads].every(positive) &&
    numHeads % numKeyValueHeads === 0 &&
    [q, k, v].every((t) => t.rank === 2 && t.dtype === 'float32' && t.shape[0] === rows) &&
    Number.isInteger(headSize) &&
    k.shape[1] === numKeyValueHeads * headSize &&
    v.shape[1] === numKeyValueHeads * headSize;
  if (!ok) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `grouped attention: queries [${q.shape.join(', ')}], keys [${k.shape.join(', ')}] and values [${v.shape.join(', ')}] do not fit batch ${batch}, length ${length}, ${numHeads} query heads and ${numKeyValueHeads} key/value heads`,
      where: { file },
      hint: 'Pass float32 [batch·length, H·headDim] queries and [batch·length, KV·headDim] keys and values, with H a multiple of KV',
    });
  }
}

/**
 * Causal grouped-query self-attention (Llama, Qwen2, Mistral: `numHeads` query heads sharing
 * `numKeyValueHeads` key/value heads, as Hugging Face's `repeat_kv`) from separate `queries`
 * `[batch·length, H·hd]`, `keys` and `values` `[batch·length, KV·hd]`, output `[batch·length, H·hd]`;
 * differentiable in all three. Keys and values are never repeated per group and scores never leave
 * the kernel; the backward pass recomputes them from the saved log-sum-exp.
 */
export function createGroupedCausalAttention(_instance: KernelInstance) {
  return (
    queries: tf.Tensor2D,
    keys: tf.Tensor2D,
    values: tf.Tensor2D,
    options: GroupedCausalAttentionOptions,
  ): tf.Tensor2D => {
    checkShapes(queries, keys, values, options);
    const attrs = {
      batch: options.batch,
      length: options.length,
      heads: options.numHeads,
      kvHeads: options.numKeyValueHeads,
    };
    if (!recordingGradients()) {
      return firstOutput(runKernel(groupedCausalAttentionKernel, { queries, keys, values }, attrs));
    }
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [q, k, v, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
      const [output, lse] = runKernel(groupedCausalAttentionKernel, { queries: q, keys: k, values: v }, attrs) as [
        tf.Tensor2D,
        tf.Tensor,
      ];
      save([q, k, v, output, lse]);
      return {
        value: output,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [sq, sk, sv, so, sl] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          return runKernel(
            groupedCausalAttentionBackwardKernel,
            { queries: sq, keys: sk, values: sv, output: so, lse: sl, dy: dy as tf.Tensor },
            attrs,
          );
        },
      };
    });
    return op(queries, keys, values) as tf.Tensor2D;
  };
}
