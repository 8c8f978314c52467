import type { LossBatchV1, LossV1 } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { assertSameLength, pairLogpsFields, readBatchField, readPairLogps } from './batch-fields.js';
import { withTotal } from './loss-result.js';
import { pairwiseRewardMetrics } from './pairwise-metrics.js';

export type DefinePairwiseLossOptions = {
  /** Stable id of the loss, used in error messages and logs. */
  readonly lossId: string;
  /** β of the implicit rewards `β·h` reported as metrics (and usually used by `perPairLoss`). */
  readonly beta: number;
  /**
   * Per-pair loss `[pairs]` from the margin `Δ = h_w − h_l` (`[pairs]`). Called inside `tf.tidy`;
   * must not dispose its input.
   */
  readonly perPairLoss: (margin: tf.Tensor1D) => tf.Tensor1D;
  /**
   * Use the margin of per-token mean log-ratios, `h_w/|y_w| − h_l/|y_l|`, which needs the batch
   * fields `chosenLengths` and `rejectedLengths` (default false: summed log-ratios).
   */
  readonly perToken?: boolean;
};

/**
 * Builds a pairwise `LossV1` whose value is the mean over pairs of `perPairLoss(Δ)`, with
 * `Δ = (log π_θ(y_w) − log π_t(y_w)) − (log π_θ(y_l) − log π_t(y_l))`, and TRL's reward metrics.
 */
export function definePairwiseLoss(options: DefinePairwiseLossOptions): LossV1 {
  const { lossId, beta, perPairLoss } = options;
  const perToken = options.perToken ?? false;
  const requires = perToken ? [...pairLogpsFields, 'chosenLengths', 'rejectedLengths'] : [...pairLogpsFields];
  return {
    specificationVersion: 'v1',
    lossId,
    requires: Object.freeze(requires) as LossV1['requires'],
    doCompute(batch: LossBatchV1) {
      const logps = readPairLogps(batch, lossId);
      const lengths = perToken
        ? {
            chosenLengths: readBatchField(batch, 'chosenLengths', lossId),
            rejectedLengths: readBatchField(batch, 'rejectedLengths', lossId),
          }
        : undefined;
      if (lengths) assertSameLength(lossId, { policyChosenLogps: logps.policyChosenLogps, ...lengths });
      return tf.tidy(() => {
        const chosen = tf.sub(logps.policyChosenLogps, logps.referenceChosenLogps) as tf.Tensor1D;
        const rejected = tf.sub(logps.policyRejectedLogps, logps.referenceRejectedLogps) as tf.Tensor1D;
        const margin = (
          lengths
            ? tf.sub(tf.div(chosen, lengths.chosenLengths), tf.div(rejected, lengths.rejectedLengths))
            : tf.sub(chosen, rejected)
        ) as tf.Tensor1D;
        const loss = tf.mean(perPairLoss(margin)) as tf.Scalar;
        const metrics = pairwiseRewardMetrics({
          beta,
          chosenLogRatios: chosen,
          rejectedLogRatios: rejected,
          policyChosenLogps: logps.policyChosenLogps,
          policyRejectedLogps: logps.policyRejectedLogps,
        });
        return withTotal(loss, { ...metrics, [`loss/${lossId}`]: tf.clone(loss) });
      });
    },
  };
}
