import {
  type LossBatchExtensionV1,
  type LossBatchField,
  type LossBatchV1,
  type LossRowV1,
  type LossV1,
  type PolicyV1,
  PrefplayError,
  type TokenIds,
} from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * One training example of a pairwise or self-play step (`LossRowV1`): a prompt, its chosen and
 * rejected responses with their reference log-probs, and (self-play) the win-rate targets and
 * every sampled response.
 */
export type PairwiseRow = LossRowV1;

const forwardFields: readonly LossBatchField[] = [
  'policyChosenLogps',
  'policyRejectedLogps',
  'chosenHidden',
  'rejectedHidden',
  'policyChosenTokenLogps',
  'policyRejectedTokenLogps',
  'chosenTokenMask',
  'rejectedTokenMask',
];
const tokenFields: readonly LossBatchField[] = [
  'policyChosenTokenLogps',
  'policyRejectedTokenLogps',
  'chosenTokenMask',
  'rejectedTokenMask',
];

function missing(lossId: string, row: number, what: string): PrefplayError {
  return new PrefplayError({
    code: 'invalid-input',
    problem: `training row ${row} has no ${what}, which the loss ${lossId} requires`,
    hint: 'Use a trainer that provides it (self-play rows carry win rates; offline rows do not)',
  });
}

function requireField(
  loss: LossV1,
  rows: readonly PairwiseRow[],
  pick: (row: PairwiseRow) => number | undefined,
  name: string,
) {
  return rows.map((row, i) => {
    const value = pick(row);
    if (value === undefined) throw missing(loss.lossId, i, name);
    return value;
  });
}

/**
 * Builds the loss batch for `rows` under `policy`: only the fields `loss.requires` names, plus the
 * batch extensions in `loss.requiresExtensions` (looked up in `extensions`). Runs inside the
 * caller's gradient scope; the caller owns the tensors.
 */
export function buildLossBatch(
  policy: PolicyV1,
  loss: LossV1,
  rows: readonly PairwiseRow[],
  extensions: Readonly<Record<string, LossBatchExtensionV1>> = {},
): LossBatchV1 {
  const requires = new Set<LossBatchField>(loss.requires);
  const batch: { -readonly [K in keyof LossBatchV1]: LossBatchV1[K] } = {};
  const n = rows.length;
  if (forwardFields.some((f) => requires.has(f))) {
    const hidden = requires.has('chosenHidden') || requires.has('rejectedHidden');
    const tokenLogps = tokenFields.some((f) => requires.has(f));
    const out = policy.doForward({
      prompts: [...rows.map((r) => r.prompt), ...rows.map((r) => r.prompt)],
      responses: [...rows.map((r) => r.chosen), ...rows.map((r) => r.rejected)],
      ...(hidden || tokenLogps
        ? { outputs: { ...(hidden ? { hidden: true } : {}), ...(tokenLogps ? { tokenLogps: true } : {}) } }
        : {}),
    });
    const [chosen, rejected] = tf.split(out.logps, [n, n]) as [tf.Tensor1D, tf.Tensor1D];
    batch.policyChosenLogps = chosen;
    batch.policyRejectedLogps = rejected;
    if (hidden) {
      if (out.hidden === undefined) throw new Error(`policy ${policy.policyId} returned no hidden states`);
      const [ch, rh] = tf.split(out.hidden, [n, n]) as [tf.Tensor2D, tf.Tensor2D];
      batch.chosenHidden = ch;
      batch.rejectedHidden = rh;
    }
    if (tokenLogps) {
      if (out.tokenLogps === undefined || out.responseMask === undefined) {
        throw new PrefplayError({
          code: 'unsupported',
          problem: `policy ${policy.policyId} returned no per-token log-probs, which the loss ${loss.lossId} requires`,
          hint: 'Use a policy that implements outputs.tokenLogps',
        });
      }
      const [ct, rt] = tf.split(out.tokenLogps, [n, n]) as [tf.Tensor2D, tf.Tensor2D];
      const [cm, rm] = tf.split(out.responseMask, [n, n]) as [tf.Tensor2D, tf.Tensor2D];
      batch.policyChosenTokenLogps = ct;
      batch.policyRejectedTokenLogps = rt;
      batch.chosenTokenMask = cm;
      batch.rejectedTokenMask = rm;
    }
  }
  if (requires.has('referenceChosenLogps'))
    batch.referenceChosenLogps = tf.tensor1d(rows.map((r) => r.referenceChosenLogp));
  if (requires.has('referenceRejectedLogps'))
    batch.referenceRejectedLogps = tf.tensor1d(rows.map((r) => r.referenceRejectedLogp));
  if (requires.has('chosenLengths')) batch.chosenLengths = tf.tensor1d(rows.map((r) => r.chosen.length));
  if (requires.has('rejectedLengths')) batch.rejectedLengths = tf.tensor1d(rows.map((r) => r.rejected.length));
  if (requires.has('chosenWinRate'))
    batch.chosenWinRate = tf.tensor1d(requireField(loss, rows, (r) => r.chosenWinRate, 'chosenWinRate'));
  if (requires.has('rejectedWinRate'))
    batch.rejectedWinRate = tf.tensor1d(requireField(loss, rows, (r) => r.rejectedWinRate, 'rejectedWinRate'));
  if (requires.has('pairPreference'))
    batch.pairPreference = tf.tensor1d(requireField(loss, rows, (r) => r.pairPreference, 'pairPreference'));
  if (requires.has('policyLogps') || requires.has('referenceLogps') || requires.has('winRates')) {
    const k = rows[0]?.responses?.length ?? 0;
    rows.forEach((r, i) => {
      if (r.responses?.length !== k || r.referenceLogps?.length !== k || r.winRates?.length !== k) {
        throw missing(loss.lossId, i, `the K=${k} responses, reference log-probs and win rates`);
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
  const wanted = loss.requiresExtensions ?? [];
  if (wanted.length > 0) {
    const computed: Record<string, tf.Tensor> = {};
    for (const name of wanted) {
      const extension = extensions[name];
      if (extension === undefined) {
        throw new PrefplayError({
          code: 'invalid-config',
          problem: `the loss ${loss.lossId} requires the batch extension "${name}", which the run does not have`,
          hint: `Add it to the run (a plugin's batchExtensions); the run has: ${Object.keys(extensions).join(', ') || 'none'}`,
        });
      }
      computed[name] = extension.doCompute(rows);
    }
    batch.extensions = computed;
  }
  return batch;
}
