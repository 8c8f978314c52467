// Test helpers: plain float64 reference formulas and tensor batches for the loss tests.
import type { LossBatchV1, LossV1 } from '@prefplay/core';
import { checkGradient } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';

export type PairValues = {
  policyChosen: number[];
  policyRejected: number[];
  referenceChosen: number[];
  referenceRejected: number[];
};

/** A pairwise batch from plain arrays; extra 1-D fields by name. */
export function pairBatch(values: PairValues, extra: Partial<Record<keyof LossBatchV1, number[]>> = {}): LossBatchV1 {
  const batch: Record<string, tf.Tensor> = {
    policyChosenLogps: tf.tensor1d(values.policyChosen),
    policyRejectedLogps: tf.tensor1d(values.policyRejected),
    referenceChosenLogps: tf.tensor1d(values.referenceChosen),
    referenceRejectedLogps: tf.tensor1d(values.referenceRejected),
  };
  for (const [name, array] of Object.entries(extra)) batch[name] = tf.tensor1d(array as number[]);
  return batch as LossBatchV1;
}

export function disposeBatch(batch: LossBatchV1): void {
  for (const value of Object.values(batch)) if (value instanceof tf.Tensor) value.dispose();
}

/** The loss value and metrics as numbers; disposes the result. */
export function evaluate(loss: LossV1, batch: LossBatchV1): { value: number; metrics: Record<string, number> } {
  const result = loss.doCompute(batch);
  const value = result.loss.dataSync()[0] as number;
  const metrics: Record<string, number> = {};
  for (const [name, tensor] of Object.entries(result.metrics)) metrics[name] = tensor.dataSync()[0] as number;
  tf.dispose([result.loss, ...Object.values(result.metrics)]);
  return { value, metrics };
}

/** Checks the gradient of the loss w.r.t. each named 1-D or 2-D batch field against finite differences. */
export function checkFieldGradients(
  loss: LossV1,
  batch: LossBatchV1,
  fields: readonly (keyof LossBatchV1)[],
  options: { atol?: number; rtol?: number; epsilon?: number } = {},
): void {
  for (const field of fields) {
    const x = batch[field] as tf.Tensor;
    checkGradient((value) => loss.doCompute({ ...batch, [field]: value }).loss, x, options);
  }
}

export const mean = (values: number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

/** `softplus(x) = log(1 + e^x)`, stable in float64. */
export const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** `Δ_i = (pc − rc) − (pr − rr)` in float64. */
export function margins(values: PairValues): number[] {
  return values.policyChosen.map(
    (pc, i) =>
      pc -
      (values.referenceChosen[i] as number) -
      ((values.policyRejected[i] as number) - (values.referenceRejected[i] as number)),
  );
}

/** TRL's metrics in float64. */
export function trlMetrics(values: PairValues, beta: number): Record<string, number> {
  const chosen = values.policyChosen.map((p, i) => beta * (p - (values.referenceChosen[i] as number)));
  const rejected = values.policyRejected.map((p, i) => beta * (p - (values.referenceRejected[i] as number)));
  return {
    'rewards/chosen': mean(chosen),
    'rewards/rejected': mean(rejected),
    'rewards/margins': mean(chosen.map((c, i) => c - (rejected[i] as number))),
    'rewards/accuracies': mean(chosen.map((c, i) => (c > (rejected[i] as number) ? 1 : 0))),
    'logps/chosen': mean(values.policyChosen),
    'logps/rejected': mean(values.policyRejected),
  };
}

/** A pairwise example with margins of both signs and moderate size. */
export const samplePairs: PairValues = {
  policyChosen: [-12.5, -30.25, -8, -21.75],
  policyRejected: [-14, -28.5, -9.5, -20],
  referenceChosen: [-13, -29, -7.25, -22.5],
  referenceRejected: [-13.5, -29.75, -10, -19],
};
