import { PrefplayError } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { attentionBackward, attentionForward, type HeapMatrix } from './attention-call.js';
import type { KernelInstance } from './kernel-instance.js';
import { defineKernel, firstOutput, numberAttr, recordingGradients, runKernel } from './kernel-registry.js';

const file = 'packages/backend-wasm-kernels/src/causal-attention-kernel.ts';

/** `[output, lse]` of causal self-attention from the fused `[batch·length, 3·d]` projection. */
export const causalAttentionKernel = defineKernel('PrefplayCausalAttention', (instance, inputs, attrs) => {
  const qkv = inputs.qkv as tf.TensorInfo;
  const batch = numberAttr(attrs, 'batch');
  const length = numberAttr(attrs, 'length');
  const heads = numberAttr(attrs, 'heads');
  const width = (qkv.shape[1] as number) / 3;
  const out = instance.output([batch * length, width]);
  const lse = instance.output([batch, heads, length]);
  const column = fusedColumns(instance.offset(qkv), width, length);
  attentionForward(instance, {
    batch,
    heads,
    group: 1,
    queryLength: length,
    keyLength: length,
    headSize: width / heads,
    past: 0,
    q: column(0),
    k: column(1),
    v: column(2),
    o: { offset: out.offset, rs: width, bs: length * width },
    keyStart: 0,
    lse: lse.offset,
  });
  return [out.info, lse.info];
});

/** `dqkv` of causal self-attention from `qkv`, the output, its gradient and the forward's `lse`. */
export const causalAttentionBackwardKernel = defineKernel(
  'PrefplayCausalAttentionBackward',
  (instance, inputs, attrs) => {
    const qkv = inputs.qkv as tf.TensorInfo;
    const batch = numberAttr(attrs, 'batch');
    const length = numberAttr(attrs, 'length');
    const heads = numberAttr(attrs, 'heads');
    const width = (qkv.shape[1] as number) / 3;
    const grad = instance.output([batch * length, 3 * width]);
    const column = fusedColumns(instance.offset(qkv), width, length);
    const gradColumn = fusedColumns(grad.offset, width, length);
    attentionBackward(instance, {
      batch,
      heads,
      group: 1,
      length,
      headSize: width / heads,
      q: column(0),
      k: column(1),
      values: column(2).offset,
      o: { offset: instance.offset(inputs.output as tf.TensorInfo), rs: width, bs: length * width },
      dy: instance.offset(inputs.dy as tf.TensorInfo),
      lse: instance.offset(inputs.lse as tf.TensorInfo),
      dq: gradColumn(0),
      dk: gradColumn(1),
      dv: gradColumn(2).offset,
    });
    return grad.info;
  },
);

/** Block `i` (queries 0, keys 1, values 2) of a fused `[batch·length, 3·width]` projection at `offset`. */
export function fusedColumns(offset: number, width: number, length: number): (block: number) => HeapMatrix {
  return (block) => ({ offset: offset + 4 * block * width, rs: 3 * width, bs: length * 3 * width });
}

export type CausalAttentionOptions = {
  readonly batch: number;
  readonly length: number;
  readonly numHeads: number;
};

export function checkAttentionShape(qkv: tf.Tensor, batch: number, length: number, numHeads: number): void {
  const [rows, cols] = qkv.shape;
  const ok =
    qkv.rank === 2 &&
    qkv.dtype === 'float32' &&
    rows === batch * length &&
    Number.isInteger(batch) &&
    batch > 0 &&
    Number.isInteger(length) &&
    length > 0 &&
    Number.isInteger(numHeads) &&
    numHeads > 0 &&
    (cols as number) % (3 * numHeads) === 0;
  if (!ok) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `attention: qkv of shape [${qkv.shape.join(', ')}] does not fit batch ${batch}, length ${length} and ${numHeads} heads`,
      where: { file },
      hint: 'Pass the fused projection as [batch·length, 3·d] float32 with d divisible by numHeads',
    });
  }
}

/**
 * Causal multi-head self-attention from the fused projection `qkv` (`[batch·length, 3·d]`: queries,
 * keys, values side by side, head h in columns h·d/H…), output `[batch·length, d]` with heads merged,
 * differentiable. Scores never leave the kernel; the backward pass recomputes them from the saved
 * log-sum-exp.
 */
export function createCausalAttention(_instance: KernelInstance) {
  return (qkv: tf.Tensor2D, options: CausalAttentionOptions): tf.Tensor2D => {
    const { batch, length, numHeads } = options;
    checkAttentionShape(qkv, batch, length, numHeads);
    const attrs = { batch, length, heads: numHeads };
    if (!recordingGradients()) return firstOutput(runKernel(causalAttentionKernel, { qkv }, attrs));
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      const [output, lse] = runKernel(causalAttentionKernel, { qkv: x }, attrs) as [tf.Tensor2D, tf.Tensor];
      save([x, output, lse]);
      return {
        value: output,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [sq, so, sl] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
          return runKernel(causalAttentionBackwardKernel, { qkv: sq, output: so, lse: sl, dy: dy as tf.Tensor }, attrs);
        },
      };
    });
    return op(qkv) as tf.Tensor2D;
  };
}
