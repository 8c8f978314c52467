import type { LossResultV1 } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';

/** Adds `loss/total` (a copy of the loss) to the metrics and freezes the result. */
export function withTotal(loss: tf.Scalar, metrics: Record<string, tf.Scalar>): LossResultV1 {
  return { loss, metrics: { ...metrics, 'loss/total': tf.clone(loss) } };
}
