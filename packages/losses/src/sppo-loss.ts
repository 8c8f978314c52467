import { type LossBatchField, type LossBatchV1, type LossV1, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  assertSameLength,
  pairLogpsFields,
  readBatchField,
  readPairLogps,
  readResponsesPerPrompt,
} from './batch-fields.js';
import { withTotal } from './loss-result.js';
import { positiveNumber } from './option-fields.js';
import { pairwiseRewardMetrics } from './pairwise-metrics.js';

/** The SPPO conventions of the method reference, §2. */
export const sppoConventions = ['two-sided', 'single', 'hard', 'all', 'soft-mean'] as const;
export type SppoConvention = (typeof sppoConventions)[number];

export const sppoLossOptionsSchema = z.strictObject({
  /** Which published form of the SPPO regression (default `two-sided`, the official code). */
  convention: z.enum(sppoConventions).default('two-sided'),
  /**
   * Step size η of the multiplicative-weights update (default 1000, the official 7B setting
   * η = 1/β = 1000). Small models need a sweep, typically η between 1 and 100.
   */
  eta: positiveNumber().default(1000),
  /**
   * β: the `hard` convention regresses to `±1/(2β)`; every convention reports rewards as `β·h`.
   * Default `1/η`.
   */
  beta: positiveNumber().optional(),
  /** Baseline of `soft-mean`: log-mean-exp over each prompt's K responses or over the batch (default `prompt`). */
  baseline: z.enum(['prompt', 'batch']).default('prompt'),
});
export type SppoLossOptions = z.input<typeof sppoLossOptionsSchema>;
export type ResolvedSppoLossOptions = Omit<z.output<typeof sppoLossOptionsSchema>, 'beta'> & { readonly beta: number };

/** `lossId` of each convention (also its name in `defaultLossRegistry`). */
export const sppoLossIds = {
  'two-sided': 'sppo',
  single: 'sppo-single',
  hard: 'sppo-hard',
  all: 'sppo-all',
  'soft-mean': 'sppo-soft-mean',
} as const satisfies Record<SppoConvention, string>;

const perResponseFields = ['policyLogps', 'referenceLogps', 'winRates'] as const satisfies readonly LossBatchField[];

const requiresByConvention: Record<SppoConvention, readonly LossBatchField[]> = {
  'two-sided': [...pairLogpsFields, 'chosenWinRate', 'rejectedWinRate'],
  single: [...pairLogpsFields, 'pairPreference'],
  hard: [...pairLogpsFields],
  all: [...perResponseFields],
  'soft-mean': [...perResponseFields],
};

/** A loss computed without its `loss/total` metric, so that composite losses can add terms. */
export type LossTerm = {
  readonly lossId: string;
  readonly requires: readonly LossBatchField[];
  compute(batch: LossBatchV1): { loss: tf.Scalar; metrics: Record<string, tf.Scalar> };
};

/** Parses SPPO options and resolves `beta` (default `1/eta`). */
export function resolveSppoLossOptions(options: SppoLossOptions, fieldPrefix?: string): ResolvedSppoLossOptions {
  const parsed = parseOptions(sppoLossOptionsSchema, options, {
    what: 'sppo loss options',
    ...(fieldPrefix !== undefined ? { fieldPrefix } : {}),
  });
  return { ...parsed, beta: parsed.beta ?? 1 / parsed.eta };
}

function pairwiseTerm(options: ResolvedSppoLossOptions, lossId: string, batch: LossBatchV1) {
  const { eta, beta, convention } = options;
  const logps = readPairLogps(batch, lossId);
  const winRates =
    convention === 'two-sided'
      ? {
          chosenWinRate: readBatchField(batch, 'chosenWinRate', lossId),
          rejectedWinRate: readBatchField(batch, 'rejectedWinRate', lossId),
        }
      : undefined;
  const pairPreference = convention === 'single' ? readBatchField(batch, 'pairPreference', lossId) : undefined;
  assertSameLength(lossId, {
    policyChosenLogps: logps.policyChosenLogps,
    ...winRates,
    ...(pairPreference ? { pairPreference } : {}),
  });
  return tf.tidy(() => {
    const chosen = tf.sub(logps.policyChosenLogps, logps.referenceChosenLogps) as tf.Tensor1D;
    const rejected = tf.sub(logps.policyRejectedLogps, logps.referenceRejectedLogps) as tf.Tensor1D;
    let perPair: tf.Tensor;
    if (convention === 'hard') {
      const target = 1 / (2 * beta);
      perPair = tf.add(tf.square(tf.sub(chosen, target)), tf.square(tf.add(rejected, target)));
    } else {
      let chosenTarget: tf.Tensor;
      let rejectedTarget: tf.Tensor;
      if (winRates) {
        chosenTarget = tf.mul(tf.sub(winRates.chosenWinRate, 0.5), eta);
        rejectedTarget = tf.mul(tf.sub(winRates.rejectedWinRate, 0.5), eta);
      } else {
        chosenTarget = tf.mul(tf.sub(pairPreference as tf.Tensor1D, 0.5), eta);
        rejectedTarget = tf.neg(chosenTarget);
      }
      perPair = tf.mul(
        tf.add(tf.square(tf.sub(chosen, chosenTarget)), tf.square(tf.sub(rejected, rejectedTarget))),
        0.5,
      );
    }
    const loss = tf.mean(perPair) as tf.Scalar;
    const metrics = pairwiseRewardMetrics({
      beta,
      chosenLogRatios: chosen,
      rejectedLogRatios: rejected,
      policyChosenLogps: logps.policyChosenLogps,
      policyRejectedLogps: logps.policyRejectedLogps,
    });
    return { loss, metrics: { ...metrics, 'loss/sppo': tf.clone(loss) } };
  });
}

function perResponseTerm(options: ResolvedSppoLossOptions, lossId: string, batch: LossBatchV1) {
  const { eta, convention, baseline } = options;
  const fields = {
    policyLogps: readBatchField(batch, 'policyLogps', lossId),
    referenceLogps: readBatchField(batch, 'referenceLogps', lossId),
    winRates: readBatchField(batch, 'winRates', lossId),
  };
  const n = assertSameLength(lossId, fields);
  const k = readResponsesPerPrompt(batch, n, lossId, convention === 'soft-mean' && baseline === 'prompt');
  return tf.tidy(() => {
    const h = tf.sub(fields.policyLogps, fields.referenceLogps);
    let target: tf.Tensor;
    if (convention === 'all') {
      target = tf.mul(tf.sub(fields.winRates, 0.5), eta);
    } else {
      const scaled = tf.mul(fields.winRates, eta);
      if (baseline === 'prompt') {
        const groups = k as number;
        const rows = tf.reshape(scaled, [n / groups, groups]);
        const logMeanExp = tf.sub(tf.logSumExp(rows, 1, true), Math.log(groups));
        target = tf.reshape(tf.sub(rows, logMeanExp), [n]);
      } else {
        target = tf.sub(scaled, tf.sub(tf.logSumExp(scaled), Math.log(n)));
      }
    }
    const loss = tf.mean(tf.square(tf.sub(h, target))) as tf.Scalar;
    return { loss, metrics: { 'loss/sppo': tf.clone(loss) } };
  });
}

/** The SPPO regression as a term (no `loss/total`), for composite losses such as S-SPPO. */
export function sppoLossTerm(options: ResolvedSppoLossOptions): LossTerm {
  const lossId = sppoLossIds[options.convention];
  const perResponse = options.convention === 'all' || options.convention === 'soft-mean';
  return {
    lossId,
    requires: Object.freeze([...requiresByConvention[options.convention]]),
    compute: (batch) => (perResponse ? perResponseTerm(options, lossId, batch) : pairwiseTerm(options, lossId, batch)),
  };
}

/**
 * SPPO (Wu et al., arXiv 2405.00675): the regression `(h(y) − target(y))²` of the log-ratio
 * `h = log π_θ − log π_t` to a win-rate target, in one of five conventions:
 * - `two-sided`: chosen → `η(p̂_w − 1/2)`, rejected → `η(p̂_l − 1/2)`, mean of the two squares;
 * - `single`: chosen → `+η(M_wl − 1/2)`, rejected → `−η(M_wl − 1/2)`, mean of the two squares;
 * - `hard`: chosen → `+1/(2β)`, rejected → `−1/(2β)`, sum of the two squares (TRL);
 * - `all`: every response → `η(p̂_i − 1/2)`, mean over responses;
 * - `soft-mean`: every response → `η r_i − log mean_j exp(η r_j)`, the mean over the prompt's
 *   K responses (`baseline: 'prompt'`) or over the batch (`'batch'`) (verl).
 * The pairwise conventions average over pairs and report TRL's reward metrics with `β` (default `1/η`).
 */
export function sppoLoss(options: SppoLossOptions = {}): LossV1 {
  const term = sppoLossTerm(resolveSppoLossOptions(options));
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
