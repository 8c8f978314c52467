import { PrefplayError } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelInstance } from './kernel-instance.js';
import { defineKernel, firstOutput, recordingGradients, runKernel } from './kernel-registry.js';

const file = 'packages/backend-wasm-kernels/src/token-log-probs-kernel.ts';

/** `[logp, lse]`: per row, log-softmax of the logits at the target (0 where the target is −1). */
export const tokenLogProbsKernel = defineKernel('PrefplayTokenLogProbs', (instance, inputs) => {
  const logits = inputs.logits as tf.TensorInfo;
  const [rows, vocab] = logits.shape as [number, number];
  const logp = instance.output([rows]);
  const lse = instance.output([rows]);
  const bad = instance.exports.token_logp_forward(
    rows,
    vocab,
    instance.offset(logits),
    instance.offset(inputs.targets as tf.TensorInfo),
    logp.offset,
    lse.offset,
  );
  if (bad > 0) {
    instance.backend.disposeData(logp.info.dataId);
    instance.backend.disposeData(lse.info.dataId);
    throw new Error(`PrefplayTokenLogProbs: ${bad} target(s) at or above the vocabulary size ${vocab}`);
  }
  return [logp.info, lse.info];
});

export const tokenLogProbsBackwardKernel = defineKernel('PrefplayTokenLogProbsBackward', (instance, inputs) => {
  const logits = inputs.logits as tf.TensorInfo;
  const [rows, vocab] = logits.shape as [number, number];
  const grad = instance.output([rows, vocab]);
  instance.exports.token_logp_backward(
    rows,
    vocab,
    instance.offset(logits),
    instance.offset(inputs.targets as tf.TensorInfo),
    instance.offset(inputs.lse as tf.TensorInfo),
    instance.offset(inputs.dy as tf.TensorInfo),
    grad.offset,
  );
  return grad.info;
});

/**
 * Not differentiable: `[logp, lse]` of `logits` at `targets` (an int32 tensor, −1 for unscored rows),
 * for custom gradients that keep `lse` and call `tokenLogProbsGradient`. Targets are not checked.
 */
export function tokenLogProbsValue(logits: tf.Tensor2D, targets: tf.Tensor1D): [tf.Tensor1D, tf.Tensor1D] {
  return runKernel(tokenLogProbsKernel, { logits, targets }) as [tf.Tensor1D, tf.Tensor1D];
}

/** Not differentiable: the gradient with respect to the logits, `(onehot − softmax)·dy` per row. */
export function tokenLogProbsGradient(
  logits: tf.Tensor2D,
  targets: tf.Tensor1D,
  lse: tf.Tensor1D,
  dy: tf.Tensor1D,
): tf.Tensor2D {
  return runKernel(tokenLogProbsBackwardKernel, { logits, targets, lse, dy })[0] as tf.Tensor2D;
}

/**
 * `log softmax(logits[r])[targets[r]]` per row of `[rows, vocab]` logits (softmax cross-entropy
 * negated), 0 for rows whose target is −1; differentiable with respect to the logits.
 */
export function createTokenLogProbs(_instance: KernelInstance) {
  return (logits: tf.Tensor2D, targets: Int32Array): tf.Tensor1D => {
    const [rows, vocab] = logits.shape;
    if (targets.length !== rows) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `tokenLogProbs: ${targets.length} targets for ${rows} rows of logits`,
        where: { file, field: 'targets' },
        hint: 'Pass one target id (or −1 for an unscored row) per row',
      });
    }
    for (let r = 0; r < rows; r++) {
      const t = targets[r] as number;
      if (t < -1 || t >= vocab) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `tokenLogProbs: target ${t} of row ${r} is not −1 or an id in [0, ${vocab - 1}]`,
          where: { file, field: `targets[${r}]` },
          hint: 'Targets are token ids of the vocabulary, or −1 for rows that are not scored',
        });
      }
    }
    if (!recordingGradients()) {
      const targetTensor = tf.tensor1d(targets, 'int32');
      const value = firstOutput<tf.Tensor1D>(runKernel(tokenLogProbsKernel, { logits, targets: targetTensor }));
      targetTensor.dispose();
      return value;
    }
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      // Made inside the op: disposed with it outside a gradient scope, saved for the backward inside one.
      const targetTensor = tf.tensor1d(targets, 'int32');
      const [logp, lse] = runKernel(tokenLogProbsKernel, { logits: x, targets: targetTensor }) as [
        tf.Tensor1D,
        tf.Tensor,
      ];
      save([x, lse, targetTensor]);
      return {
        value: logp,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [sx, sl, st] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
          return runKernel(tokenLogProbsBackwardKernel, { logits: sx, targets: st, lse: sl, dy: dy as tf.Tensor });
        },
      };
    });
    return op(logits) as tf.Tensor1D;
  };
}
