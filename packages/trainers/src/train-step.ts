import type { LossBatchField, LossBatchV1, LossV1, PolicyV1, TokenIds } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * One training example of a pairwise or self-play step: a prompt, its chosen and rejected
 * responses with their reference log-probs, and (self-play) the win-rate targets. Per-response
 * losses (`sppo-all`, `sppo-softmean`) also read every sampled response of the prompt.
 */
export type PairwiseRow = {
  readonly prompt: TokenIds;
  readonly chosen: TokenIds;
  readonly rejected: TokenIds;
  readonly referenceChosenLogp: number;
  readonly referenceRejectedLogp: number;
  readonly chosenWinRate?: number;
  readonly rejectedWinRate?: number;
  readonly pairPreference?: number;
  readonly responses?: readonly TokenIds[];
  readonly referenceLogps?: readonly number[];
  readonly winRates?: readonly number[];
};

export type TrainStepResult =
  | { readonly status: 'ok'; readonly loss: number; readonly metrics: Record<string, number> }
  /** The loss was NaN or ±Inf: the weights were restored to their values before the step. */
  | { readonly status: 'non-finite-loss'; readonly loss: number }
  /** The update produced non-finite weights: they were restored to their values before the step. */
  | { readonly status: 'non-finite-weights'; readonly loss: number; readonly metrics: Record<string, number> };

const pairFields: readonly LossBatchField[] = [
  'policyChosenLogps',
  'policyRejectedLogps',
  'chosenHidden',
  'rejectedHidden',
];

function requireField(rows: readonly PairwiseRow[], pick: (row: PairwiseRow) => number | undefined, name: string) {
  return rows.map((row, i) => {
    const value = pick(row);
    if (value === undefined) throw new Error(`trainStep: row ${i} has no ${name}, which the loss requires`);
    return value;
  });
}

/** Builds the loss batch for `rows` under `policy`; runs inside the caller's gradient scope. */
export function buildLossBatch(policy: PolicyV1, loss: LossV1, rows: readonly PairwiseRow[]): LossBatchV1 {
  const requires = new Set<LossBatchField>(loss.requires);
  const batch: { -readonly [K in keyof LossBatchV1]: LossBatchV1[K] } = {};
  const n = rows.length;
  if (pairFields.some((f) => requires.has(f))) {
    const hidden = requires.has('chosenHidden') || requires.has('rejectedHidden');
    const out = policy.doForward({
      prompts: [...rows.map((r) => r.prompt), ...rows.map((r) => r.prompt)],
      responses: [...rows.map((r) => r.chosen), ...rows.map((r) => r.rejected)],
      ...(hidden ? { outputs: { hidden: true } } : {}),
    });
    const [chosen, rejected] = tf.split(out.logps, [n, n]) as [tf.Tensor1D, tf.Tensor1D];
    batch.policyChosenLogps = chosen;
    batch.policyRejectedLogps = rejected;
    if (hidden) {
      if (out.hidden === undefined) throw new Error(`trainStep: policy ${policy.policyId} returned no hidden states`);
      const [ch, rh] = tf.split(out.hidden, [n, n]) as [tf.Tensor2D, tf.Tensor2D];
      batch.chosenHidden = ch;
      batch.rejectedHidden = rh;
    }
  }
  if (requires.has('referenceChosenLogps'))
    batch.referenceChosenLogps = tf.tensor1d(rows.map((r) => r.referenceChosenLogp));
  if (requires.has('referenceRejectedLogps'))
    batch.referenceRejectedLogps = tf.tensor1d(rows.map((r) => r.referenceRejectedLogp));
  if (requires.has('chosenLengths')) batch.chosenLengths = tf.tensor1d(rows.map((r) => r.chosen.length));
  if (requires.has('rejectedLengths')) batch.rejectedLengths = tf.tensor1d(rows.map((r) => r.rejected.length));
  if (requires.has('chosenWinRate'))
    batch.chosenWinRate = tf.tensor1d(requireField(rows, (r) => r.chosenWinRate, 'chosenWinRate'));
  if (requires.has('rejectedWinRate'))
    batch.rejectedWinRate = tf.tensor1d(requireField(rows, (r) => r.rejectedWinRate, 'rejectedWinRate'));
  if (requires.has('pairPreference'))
    batch.pairPreference = tf.tensor1d(requireField(rows, (r) => r.pairPreference, 'pairPreference'));
  if (requires.has('policyLogps') || requires.has('referenceLogps') || requires.has('winRates')) {
    const k = rows[0]?.responses?.length ?? 0;
    rows.forEach((r, i) => {
      if (r.responses?.length !== k || r.referenceLogps?.length !== k || r.winRates?.length !== k) {
        throw new Error(
          `trainStep: row ${i} lacks the K=${k} responses, reference log-probs and win rates the loss requires`,
        );
      }
    });
    batch.responsesPerPrompt = k;
    if (requires.has('policyLogps')) {
      batch.policyLogps = policy.doForward({
        prompts: rows.flatMap((r) => (r.responses as readonly TokenIds[]).map(() => r.prompt)),
        responses: rows.flatMap((r) => r.responses as readonly TokenIds[]),
      }).logps;
    }
    if (requires.has('referenceLogps')) batch.referenceLogps = tf.tensor1d(rows.flatMap((r) => r.referenceLogps ?? []));
    if (requires.has('winRates')) batch.winRates = tf.tensor1d(rows.flatMap((r) => r.winRates ?? []));
  }
  return batch;
}

/**
 * One optimiser step of `loss` on `rows`, shared by the self-play and the offline pairwise
 * trainers, through `optimizer.minimize`. When the loss is NaN/±Inf, or the update makes a weight
 * non-finite, the weights before the step are restored (the step is undone); the optimiser's own
 * state may then hold non-finite moments, so the caller replaces the optimiser. Leaves no tensors
 * behind.
 */
export function trainStep(options: {
  readonly policy: PolicyV1;
  readonly optimizer: tf.Optimizer;
  readonly loss: LossV1;
  readonly rows: readonly PairwiseRow[];
}): TrainStepResult {
  const { policy, optimizer, loss, rows } = options;
  const variables = policy.trainableVariables() as tf.Variable[];
  const backup = variables.map((v) => tf.clone(v));
  const kept: tf.Scalar[] = [];
  let metricNames: string[] = [];
  try {
    const cost = optimizer.minimize(
      () => {
        const batch = buildLossBatch(policy, loss, rows);
        const result = loss.doCompute(batch);
        metricNames = Object.keys(result.metrics);
        for (const name of metricNames) kept.push(tf.keep(result.metrics[name] as tf.Scalar));
        return result.loss;
      },
      true,
      variables,
    );
    const lossValue = cost?.dataSync()[0] as number;
    cost?.dispose();
    const restore = () =>
      variables.forEach((v, i) => {
        v.assign(backup[i] as tf.Tensor);
      });
    if (!Number.isFinite(lossValue)) {
      restore();
      return { status: 'non-finite-loss', loss: lossValue };
    }
    const metrics: Record<string, number> = {};
    metricNames.forEach((name, i) => {
      metrics[name] = (kept[i] as tf.Scalar).dataSync()[0] as number;
    });
    if (metrics['loss/total'] === undefined) metrics['loss/total'] = lossValue;
    const total = tf.tidy(() =>
      variables.length === 0 ? 0 : (tf.addN(variables.map((v) => tf.sum(v))).dataSync()[0] as number),
    );
    if (!Number.isFinite(total)) {
      restore();
      return { status: 'non-finite-weights', loss: lossValue, metrics };
    }
    return { status: 'ok', loss: lossValue, metrics };
  } finally {
    tf.dispose(backup);
    tf.dispose(kept);
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
