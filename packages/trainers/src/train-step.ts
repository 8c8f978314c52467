import type { LossBatchExtensionV1, LossV1, PolicyV1, TokenIds } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { buildLossBatch, type PairwiseRow } from './loss-batch.js';

export type TrainStepResult =
  | {
      readonly status: 'ok';
      readonly loss: number;
      /** Global L2 norm of the gradient, before clipping. */
      readonly gradNorm: number;
      readonly metrics: Record<string, number>;
    }
  /** The loss or the gradient was NaN or ±Inf: no update was applied. */
  | { readonly status: 'non-finite-loss'; readonly loss: number }
  /** The update produced non-finite weights: they were restored to their values before the step. */
  | { readonly status: 'non-finite-weights'; readonly loss: number; readonly metrics: Record<string, number> };

export type TrainStepOptions = {
  readonly policy: PolicyV1;
  readonly optimizer: tf.Optimizer;
  readonly loss: LossV1;
  readonly rows: readonly PairwiseRow[];
  readonly extensions?: Readonly<Record<string, LossBatchExtensionV1>>;
  /** Rescale the gradient to this global norm when it is larger. */
  readonly maxGradNorm?: number;
};

/**
 * One optimiser step of `loss` on `rows`, shared by the self-play and the offline trainers:
 * gradients by `tf.variableGrads`, the global norm measured (and clipped when asked), then
 * `optimizer.applyGradients`. A non-finite loss or gradient applies nothing; an update that makes
 * a weight non-finite is undone (the optimiser's moments may then be non-finite, so the caller
 * replaces the optimiser). `loss/total` is always in the metrics. Leaves no tensors behind.
 */
export function trainStep(options: TrainStepOptions): TrainStepResult {
  const { policy, optimizer, loss, rows } = options;
  const variables = policy.trainableVariables() as tf.Variable[];
  const kept: tf.Scalar[] = [];
  let metricNames: string[] = [];
  let grads: tf.NamedTensorMap = {};
  let value: tf.Scalar | undefined;
  let backup: tf.Tensor[] = [];
  try {
    ({ value, grads } = tf.variableGrads(() => {
      const batch = buildLossBatch(policy, loss, rows, options.extensions);
      const result = loss.doCompute(batch);
      metricNames = Object.keys(result.metrics);
      for (const name of metricNames) kept.push(tf.keep(result.metrics[name] as tf.Scalar));
      return result.loss;
    }, variables));
    const lossValue = value.dataSync()[0] as number;
    const gradNorm = tf.tidy(() => {
      const parts = Object.values(grads).map((g) => tf.sum(tf.square(g)));
      return parts.length === 0 ? 0 : (tf.sqrt(tf.addN(parts)).dataSync()[0] as number);
    });
    if (!Number.isFinite(lossValue) || !Number.isFinite(gradNorm)) {
      return { status: 'non-finite-loss', loss: lossValue };
    }
    const metrics: Record<string, number> = {};
    metricNames.forEach((name, i) => {
      metrics[name] = (kept[i] as tf.Scalar).dataSync()[0] as number;
    });
    if (metrics['loss/total'] === undefined) metrics['loss/total'] = lossValue;
    backup = variables.map((v) => tf.clone(v));
    const scale =
      options.maxGradNorm !== undefined && gradNorm > options.maxGradNorm ? options.maxGradNorm / gradNorm : 1;
    if (scale !== 1) {
      const scaled: tf.NamedTensorMap = {};
      for (const [name, g] of Object.entries(grads)) scaled[name] = tf.mul(g, scale);
      tf.dispose(Object.values(grads));
      grads = scaled;
    }
    optimizer.applyGradients(grads);
    const total = tf.tidy(() =>
      variables.length === 0 ? 0 : (tf.addN(variables.map((v) => tf.sum(v))).dataSync()[0] as number),
    );
    if (!Number.isFinite(total)) {
      variables.forEach((v, i) => {
        v.assign(backup[i] as tf.Tensor);
      });
      return { status: 'non-finite-weights', loss: lossValue, metrics };
    }
    return { status: 'ok', loss: lossValue, gradNorm, metrics };
  } finally {
    tf.dispose(backup);
    tf.dispose(kept);
    tf.dispose(Object.values(grads));
    value?.dispose();
  }
}

/** Summed response log-probs (and optionally pooled hidden states) of a policy, in chunks, as numbers. */
export function scoreResponses(
  policy: PolicyV1,
  prompts: readonly TokenIds[],
  responses: readonly TokenIds[],
  options: { readonly batchSize?: number; readonly hidden?: boolean } = {},
): { logps: number[]; hidden?: number[][] } {
  const batchSize = options.batchSize ?? 32;
  const logps: number[] = [];
  const hidden: number[][] = [];
  let hasHidden = options.hidden === true;
  for (let start = 0; start < responses.length; start += batchSize) {
    const end = Math.min(responses.length, start + batchSize);
    tf.tidy(() => {
      const out = policy.doForward({
        prompts: prompts.slice(start, end),
        responses: responses.slice(start, end),
        ...(options.hidden ? { outputs: { hidden: true } } : {}),
      });
      logps.push(...Array.from(out.logps.dataSync()));
      if (hasHidden) {
        if (out.hidden === undefined) hasHidden = false;
        else hidden.push(...(out.hidden.arraySync() as number[][]));
      }
    });
  }
  return hasHidden ? { logps, hidden } : { logps };
}
