import { type LossV1, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { definePairwiseLoss } from './define-pairwise-loss.js';
import { positiveNumber } from './option-fields.js';

export const dpoLossOptionsSchema = z.strictObject({
  /** Inverse temperature β of the implicit reward (default 0.1, TRL's default). */
  beta: positiveNumber().default(0.1),
});
export type DpoLossOptions = z.input<typeof dpoLossOptionsSchema>;

/** `softplus(−x) = −log σ(x)`, written without `tf.logSigmoid` (whose gradient breaks on non-leaf tensors). */
export function negativeLogSigmoid(x: tf.Tensor1D): tf.Tensor1D {
  return tf.softplus(tf.neg(x));
}

/** DPO (Rafailov et al., arXiv 2305.18290): mean over pairs of `−log σ(βΔ)`. */
export function dpoLoss(options: DpoLossOptions = {}): LossV1 {
  const { beta } = parseOptions(dpoLossOptionsSchema, options, { what: 'dpo loss options' });
  return definePairwiseLoss({
    lossId: 'dpo',
    beta,
    perPairLoss: (margin) => negativeLogSigmoid(tf.mul(margin, beta)),
  });
}
