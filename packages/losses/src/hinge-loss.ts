import { type LossV1, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { definePairwiseLoss } from './define-pairwise-loss.js';
import { positiveNumber } from './option-fields.js';

export const hingeLossOptionsSchema = z.strictObject({
  /** β; pairs with `βΔ ≥ 1` contribute nothing (default 0.1). */
  beta: positiveNumber().default(0.1),
});
export type HingeLossOptions = z.input<typeof hingeLossOptionsSchema>;

/** Hinge (SLiC-style, arXiv 2305.10425): mean over pairs of `max(0, 1 − βΔ)`. */
export function hingeLoss(options: HingeLossOptions = {}): LossV1 {
  const { beta } = parseOptions(hingeLossOptionsSchema, options, { what: 'hinge loss options' });
  return definePairwiseLoss({
    lossId: 'hinge',
    beta,
    perPairLoss: (margin) => tf.relu(tf.sub(1, tf.mul(margin, beta))) as tf.Tensor1D,
  });
}
