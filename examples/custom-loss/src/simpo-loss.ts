import { type LossBatchV1, type LossV1, parseOptions } from '@prefplay/core';
import { assertSameLength, negativeLogSigmoid, pairwiseRewardMetrics, readBatchField } from '@prefplay/losses';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

export const simpoLossOptionsSchema = z.strictObject({
  /** Scale β of the length-normalised reward (default 2, SimPO's setting). */
  beta: z.number().gt(0, { error: 'must be a finite number > 0' }).default(2),
  /** Target reward margin γ (default 1). */
  gamma: z.number().gte(0, { error: 'must be a finite number ≥ 0' }).default(1),
});
export type SimpoLossOptions = z.input<typeof simpoLossOptionsSchema>;

/**
 * SimPO (Meng et al., arXiv 2405.14734), a reference-free pairwise loss: with the length-normalised
 * rewards `r = β·log π_θ(y|x)/|y|`, the mean over pairs of `−log σ(r_w − r_l − γ)`.
 * It reads no reference log-probs, so a trainer never runs the reference policy for it.
 */
export function simpoLoss(options: SimpoLossOptions = {}): LossV1 {
  const { beta, gamma } = parseOptions(simpoLossOptionsSchema, options, { what: 'simpo loss options' });
  const lossId = 'simpo';
  return {
    specificationVersion: 'v1',
    lossId,
    requires: ['policyChosenLogps', 'policyRejectedLogps', 'chosenLengths', 'rejectedLengths'],
    doCompute(batch: LossBatchV1) {
      const fields = {
        policyChosenLogps: readBatchField(batch, 'policyChosenLogps', lossId),
        policyRejectedLogps: readBatchField(batch, 'policyRejectedLogps', lossId),
        chosenLengths: readBatchField(batch, 'chosenLengths', lossId),
        rejectedLengths: readBatchField(batch, 'rejectedLengths', lossId),
      };
      assertSameLength(lossId, fields);
      return tf.tidy(() => {
        const chosen = tf.div(fields.policyChosenLogps, fields.chosenLengths) as tf.Tensor1D;
        const rejected = tf.div(fields.policyRejectedLogps, fields.rejectedLengths) as tf.Tensor1D;
        const logits = tf.sub(tf.mul(tf.sub(chosen, rejected), beta), gamma) as tf.Tensor1D;
        const loss = tf.mean(negativeLogSigmoid(logits)) as tf.Scalar;
        const metrics = pairwiseRewardMetrics({
          beta,
          chosenLogRatios: chosen,
          rejectedLogRatios: rejected,
          policyChosenLogps: fields.policyChosenLogps,
          policyRejectedLogps: fields.policyRejectedLogps,
        });
        return { loss, metrics: { ...metrics, 'loss/simpo': tf.clone(loss), 'loss/total': tf.clone(loss) } };
      });
    },
  };
}
