import { type LossV1, PrefplayError } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { withTotal } from './loss-result.js';

/** A loss and the weight its `loss` enters the total with. */
export type WeightedLoss = { readonly loss: LossV1; readonly weight: number };

/**
 * `base + Σ weight·term`: one loss whose `requires` is the union of its parts'. Metrics are the
 * parts' own (a later part's metric of the same name wins), `loss/<lossId>` of each part, and
 * `loss/total`. Leaves no tensors but the result's.
 */
export function addLossTerms(base: LossV1, terms: readonly WeightedLoss[], lossId = base.lossId): LossV1 {
  for (const [i, term] of terms.entries()) {
    if (!Number.isFinite(term.weight)) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: `the weight of loss term ${i} (${term.loss.lossId}) is ${term.weight}`,
        hint: 'Give every term a finite weight',
      });
    }
  }
  const parts = [base, ...terms.map((t) => t.loss)];
  const weights = [1, ...terms.map((t) => t.weight)];
  const requires = Object.freeze([...new Set(parts.flatMap((p) => p.requires))]);
  const extensions = [...new Set(parts.flatMap((p) => p.requiresExtensions ?? []))];
  return {
    specificationVersion: 'v1',
    lossId,
    requires,
    ...(extensions.length > 0 ? { requiresExtensions: Object.freeze(extensions) } : {}),
    doCompute(batch) {
      const results: ReturnType<LossV1['doCompute']>[] = [];
      try {
        for (const part of parts) results.push(part.doCompute(batch));
      } catch (error) {
        for (const r of results) tf.dispose([r.loss, ...Object.values(r.metrics)]);
        throw error;
      }
      const metrics: Record<string, tf.Scalar> = {};
      const stale: tf.Tensor[] = [];
      results.forEach((result, i) => {
        for (const [name, value] of Object.entries(result.metrics)) {
          if (name === 'loss/total') {
            stale.push(value);
            continue;
          }
          if (metrics[name] !== undefined) stale.push(metrics[name]);
          metrics[name] = value;
        }
        const name = `loss/${parts[i]?.lossId}`;
        if (metrics[name] === undefined) metrics[name] = tf.clone(result.loss);
      });
      const loss = tf.tidy(
        () =>
          results.reduce<tf.Scalar | undefined>((sum, r, i) => {
            const term = (weights[i] === 1 ? r.loss : tf.mul(r.loss, weights[i] as number)) as tf.Scalar;
            return sum === undefined ? term : (tf.add(sum, term) as tf.Scalar);
          }, undefined) as tf.Scalar,
      );
      tf.dispose([...results.map((r) => r.loss), ...stale]);
      return withTotal(loss, metrics);
    },
  };
}
