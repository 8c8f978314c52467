import { type LossV1, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { definePairwiseLoss } from './define-pairwise-loss.js';
import { negativeLogSigmoid } from './dpo-loss.js';
import { noiseEpsilon, positiveNumber } from './option-fields.js';

export const robustDpoLossOptionsSchema = z.strictObject({
  /** Inverse temperature β (default 0.1). */
  beta: positiveNumber().default(0.1),
  /** Assumed label-flip rate ε in [0, 0.5) (default 0.1; ε = 0 is DPO). */
  epsilon: noiseEpsilon().default(0.1),
});
export type RobustDpoLossOptions = z.input<typeof robustDpoLossOptionsSchema>;

/**
 * Robust DPO (Chowdhury et al., arXiv 2403.00409): mean of
 * `[−(1−ε) log σ(βΔ) + ε log σ(−βΔ)] / (1−2ε)`, unbiased under label flips with rate ε.
 */
export function robustDpoLoss(options: RobustDpoLossOptions = {}): LossV1 {
  const { beta, epsilon } = parseOptions(robustDpoLossOptionsSchema, options, {
    what: 'rdpo (robust DPO) loss options',
  });
  return definePairwiseLoss({
    lossId: 'rdpo',
    beta,
    perPairLoss: (margin) => {
      const x = tf.mul(margin, beta) as tf.Tensor1D;
      const numerator = tf.sub(
        tf.mul(negativeLogSigmoid(x), 1 - epsilon),
        tf.mul(negativeLogSigmoid(tf.neg(x)), epsilon),
      );
      return tf.div(numerator, 1 - 2 * epsilon) as tf.Tensor1D;
    },
  });
}
