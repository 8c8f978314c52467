import { type LossV1, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { definePairwiseLoss } from './define-pairwise-loss.js';
import { positiveNumber } from './option-fields.js';

export const ipoLossOptionsSchema = z.strictObject({
  /** β; the margin is regressed to `1/(2β)` (default 0.1). */
  beta: positiveNumber().default(0.1),
  /**
   * Use per-token mean log-ratios (`h/|y|`, reading `chosenLengths` and `rejectedLengths`) instead
   * of summed ones (default false).
   */
  perToken: z.boolean().default(false),
});
export type IpoLossOptions = z.input<typeof ipoLossOptionsSchema>;

/** IPO (Azar et al., arXiv 2310.12036): mean over pairs of `(Δ − 1/(2β))²`. */
export function ipoLoss(options: IpoLossOptions = {}): LossV1 {
  const { beta, perToken } = parseOptions(ipoLossOptionsSchema, options, { what: 'ipo loss options' });
  const target = 1 / (2 * beta);
  return definePairwiseLoss({
    lossId: 'ipo',
    beta,
    perToken,
    perPairLoss: (margin) => tf.square(tf.sub(margin, target)) as tf.Tensor1D,
  });
}
