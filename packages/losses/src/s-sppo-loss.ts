import { type LossV1, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { assertSameLength, readBatchField } from './batch-fields.js';
import { withTotal } from './loss-result.js';
import { nonNegativeNumber } from './option-fields.js';
import { repulsionLossOptionsSchema, repulsionLossTerm } from './repulsion-loss.js';
import { resolveSppoLossOptions, sppoLossOptionsSchema, sppoLossTerm } from './sppo-loss.js';

export const sSppoLossOptionsSchema = z.strictObject({
  /** Options of the SPPO term (see `sppoLoss`); its targets come from the calibrated matrix M̃. */
  sppo: sppoLossOptionsSchema.prefault({}),
  /** Options of the repulsion term (see `repulsionLoss`). */
  repulsion: repulsionLossOptionsSchema.prefault({}),
  /** Weight λ of the repulsion term (default 0.1; 0 gives plain SPPO with the latent metrics). */
  lambda: nonNegativeNumber().default(0.1),
});
export type SSppoLossOptions = z.input<typeof sSppoLossOptionsSchema>;

/**
 * S-SPPO (method reference §3): `L_SPPO(M̃) + λ·L_rep`. The batch carries win rates already
 * calibrated by semantic gating (calibration happens before the loss, in `@prefplay/preference`).
 * Metrics: the SPPO term's, `loss/sppo`, `loss/repulsion`, `latent/distance`, `loss/total`.
 */
export function sSppoLoss(options: SSppoLossOptions = {}): LossV1 {
  const parsed = parseOptions(sSppoLossOptionsSchema, options, { what: 's-sppo loss options' });
  const sppo = sppoLossTerm(resolveSppoLossOptions(parsed.sppo, 'sppo'));
  const repulsion = repulsionLossTerm(parsed.repulsion);
  const { lambda } = parsed;
  const lossId = 's-sppo';
  const requires = Object.freeze([...new Set([...sppo.requires, ...repulsion.requires])]);
  return {
    specificationVersion: 'v1',
    lossId,
    requires,
    doCompute(batch) {
      for (const field of requires) readBatchField(batch, field, lossId);
      if (requires.includes('policyChosenLogps')) {
        // pairwise SPPO conventions: one latent pair per log-prob pair
        assertSameLength(lossId, {
          policyChosenLogps: batch.policyChosenLogps as tf.Tensor1D,
          chosenHidden: batch.chosenHidden as tf.Tensor2D,
        });
      }
      const sppoPart = sppo.compute(batch);
      let repulsionPart: ReturnType<typeof repulsion.compute>;
      try {
        repulsionPart = repulsion.compute(batch);
      } catch (error) {
        tf.dispose([sppoPart.loss, ...Object.values(sppoPart.metrics)]);
        throw error;
      }
      const loss = tf.tidy(() => tf.add(sppoPart.loss, tf.mul(repulsionPart.loss, lambda)) as tf.Scalar);
      tf.dispose([sppoPart.loss, repulsionPart.loss]);
      return withTotal(loss, { ...sppoPart.metrics, ...repulsionPart.metrics });
    },
  };
}
