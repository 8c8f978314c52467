import * as tf from '@tensorflow/tfjs-core';

/**
 * TRL's pairwise metrics: `rewards/chosen` = mean β·h_w, `rewards/rejected` = mean β·h_l,
 * `rewards/margins` = mean β·(h_w − h_l), `rewards/accuracies` = share of pairs with
 * β·h_w > β·h_l, `logps/chosen` and `logps/rejected` = mean policy log-probs.
 */
export function pairwiseRewardMetrics(inputs: {
  readonly beta: number;
  readonly chosenLogRatios: tf.Tensor1D;
  readonly rejectedLogRatios: tf.Tensor1D;
  readonly policyChosenLogps: tf.Tensor1D;
  readonly policyRejectedLogps: tf.Tensor1D;
}): Record<string, tf.Scalar> {
  return tf.tidy(() => {
    const chosen = tf.mul(inputs.chosenLogRatios, inputs.beta);
    const rejected = tf.mul(inputs.rejectedLogRatios, inputs.beta);
    return {
      'rewards/chosen': tf.mean(chosen) as tf.Scalar,
      'rewards/rejected': tf.mean(rejected) as tf.Scalar,
      'rewards/margins': tf.mean(tf.sub(chosen, rejected)) as tf.Scalar,
      'rewards/accuracies': tf.mean(tf.cast(tf.greater(chosen, rejected), 'float32')) as tf.Scalar,
      'logps/chosen': tf.mean(inputs.policyChosenLogps) as tf.Scalar,
      'logps/rejected': tf.mean(inputs.policyRejectedLogps) as tf.Scalar,
    };
  });
}
