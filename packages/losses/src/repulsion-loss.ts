import { type LossBatchV1, type LossV1, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { assertSameLength, readBatchField } from './batch-fields.js';
import { withTotal } from './loss-result.js';
import { nonNegativeNumber, positiveNumber } from './option-fields.js';
import type { LossTerm } from './sppo-loss.js';

export const repulsionForms = ['squared-hinge', 'hinge', 'negative-distance'] as const;
export type RepulsionForm = (typeof repulsionForms)[number];

export const repulsionLossOptionsSchema = z.strictObject({
  /** Margin m: pairs further apart than m are not pushed (default 1). Unused by `negative-distance`. */
  margin: nonNegativeNumber().default(1),
  /** `squared-hinge` `max(0, m − d)²` (default), `hinge` `max(0, m − d)`, or `negative-distance` `−d`. */
  form: z.enum(repulsionForms).default('squared-hinge'),
  /**
   * ε inside the norm, `d = sqrt(‖z_w − z_l‖² + ε)` (default 1e-12): keeps the gradient finite
   * (zero) when chosen and rejected coincide, where the plain norm has an undefined gradient.
   */
  normEpsilon: positiveNumber().default(1e-12),
});
export type RepulsionLossOptions = z.input<typeof repulsionLossOptionsSchema>;

/** Latent repulsion as a part of a run: the repulsion loss and its weight λ in the total. */
export const latentRepulsionOptionsSchema = repulsionLossOptionsSchema.extend({
  /** Weight λ of the repulsion term (default 0.1; 0 keeps the latent metrics and adds nothing). */
  lambda: nonNegativeNumber().default(0.1),
});
export type LatentRepulsionOptions = z.input<typeof latentRepulsionOptionsSchema>;
export type ResolvedRepulsionLossOptions = z.output<typeof repulsionLossOptionsSchema>;

/** Latent repulsion as a term (no `loss/total`), for composite losses. */
export function repulsionLossTerm(options: ResolvedRepulsionLossOptions): LossTerm {
  const lossId = 'repulsion';
  return {
    lossId,
    requires: Object.freeze(['chosenHidden', 'rejectedHidden'] as const),
    compute(batch: LossBatchV1) {
      const chosenHidden = readBatchField(batch, 'chosenHidden', lossId);
      const rejectedHidden = readBatchField(batch, 'rejectedHidden', lossId);
      assertSameLength(lossId, { chosenHidden, rejectedHidden }, { sameShape: true });
      return tf.tidy(() => {
        const difference = tf.sub(chosenHidden, rejectedHidden);
        const distance = tf.sqrt(tf.add(tf.sum(tf.square(difference), 1), options.normEpsilon));
        let perPair: tf.Tensor;
        if (options.form === 'negative-distance') perPair = tf.neg(distance);
        else {
          const shortfall = tf.relu(tf.sub(options.margin, distance));
          perPair = options.form === 'hinge' ? shortfall : tf.square(shortfall);
        }
        const loss = tf.mean(perPair) as tf.Scalar;
        return {
          loss,
          metrics: { 'loss/repulsion': tf.clone(loss), 'latent/distance': tf.mean(distance) as tf.Scalar },
        };
      });
    },
  };
}

/**
 * Latent repulsion of S-SPPO: with `d = ‖z_w − z_l‖₂` per pair (`chosenHidden`, `rejectedHidden`,
 * `[pairs, hidden]`), the mean over pairs of `max(0, m − d)²` (or `max(0, m − d)`, or `−d`).
 * Metrics: `loss/repulsion`, `latent/distance` (mean d), `loss/total`.
 */
export function repulsionLoss(options: RepulsionLossOptions = {}): LossV1 {
  const term = repulsionLossTerm(parseOptions(repulsionLossOptionsSchema, options, { what: 'repulsion loss options' }));
  return {
    specificationVersion: 'v1',
    lossId: term.lossId,
    requires: term.requires,
    doCompute(batch) {
      const { loss, metrics } = term.compute(batch);
      return withTotal(loss, metrics);
    },
  };
}
