import { type LossV1, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { definePairwiseLoss } from './define-pairwise-loss.js';
import { negativeLogSigmoid } from './dpo-loss.js';
import { noiseEpsilon, positiveNumber } from './option-fields.js';

export const conservativeDpoLossOptionsSchema = z.strictObject({
  /** Inverse temperature β (default 0.1). */
  beta: positiveNumber().default(0.1),
  /** Label-smoothing ε in [0, 0.5) (default 0.1; ε = 0 is DPO). */
  epsilon: noiseEpsilon().default(0.1),
});
export type ConservativeDpoLossOptions = z.input<typeof conservativeDpoLossOptionsSchema>;

/** Conservative DPO (label smoothing): mean of `−(1−ε) log σ(βΔ) − ε log σ(−βΔ)`. */
export function conservativeDpoLoss(options: ConservativeDpoLossOptions = {}): LossV1 {
  const { beta, epsilon } = parseOptions(conservativeDpoLossOptionsSchema, options, {
    what: 'cdpo (conservative DPO) loss options',
  });
  return definePairwiseLoss({
    lossId: 'cdpo',
    beta,
    perPairLoss: (margin) => {
      const x = tf.mul(margin, beta) as tf.Tensor1D;
      return tf.add(
        tf.mul(negativeLogSigmoid(x), 1 - epsilon),
        tf.mul(negativeLogSigmoid(tf.neg(x)), epsilon),
      ) as tf.Tensor1D;
    },
  });
}
