import type { PromptV1, ResponseV1 } from '@prefplay/core';
import { createRng, PrefplayError, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

/** One labelled comparison: `probability` = P(chosen ≻ rejected), default 1 (a hard label). */
export type PreferencePairV1 = {
  readonly prompt: PromptV1;
  readonly chosen: ResponseV1;
  readonly rejected: ResponseV1;
  readonly probability?: number;
};

/** Maps a (prompt, response) to a fixed-length feature vector. */
export type Featurizer = (prompt: PromptV1, response: ResponseV1) => readonly number[];

export const trainPairwiseOptionsSchema = z
  .object({
    pairs: z.array(z.custom<PreferencePairV1>((v) => typeof v === 'object' && v !== null)).min(1),
    epochs: z.number().int().min(1).max(100_000).default(50),
    batchSize: z.number().int().min(1).max(1_000_000).default(32),
    learningRate: z.number().positive().max(10).default(0.01),
    /** L2 penalty on all weights, added to the mean logistic loss. */
    weightDecay: z.number().min(0).max(10).default(0),
    seed: z.number().int().default(0),
    onEpoch: z.custom<(epoch: number, loss: number) => void>((v) => typeof v === 'function').optional(),
  })
  .strict();

export type TrainPairwiseOptions = z.input<typeof trainPairwiseOptionsSchema>;

/** Featurises every pair once, validating lengths, finiteness and probabilities. */
export function featurizePairs(
  pairs: readonly PreferencePairV1[],
  featurizer: Featurizer,
  inputSize: number,
  what: string,
): { chosen: Float32Array; rejected: Float32Array; targets: Float32Array } {
  const chosen = new Float32Array(pairs.length * inputSize);
  const rejected = new Float32Array(pairs.length * inputSize);
  const targets = new Float32Array(pairs.length);
  pairs.forEach((pair, n) => {
    const p = pair.probability ?? 1;
    if (!(p >= 0 && p <= 1)) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `${what}: pair ${n} has probability ${p}, outside [0, 1]`,
        where: { field: `pairs[${n}].probability` },
      });
    }
    targets[n] = p;
    for (const [side, out] of [
      ['chosen', chosen],
      ['rejected', rejected],
    ] as const) {
      const f = featurizer(pair.prompt, pair[side]);
      if (f.length !== inputSize || f.some((x) => !Number.isFinite(x))) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `${what}: the featurizer gave ${f.length} values${f.some((x) => !Number.isFinite(x)) ? ' (some not finite)' : ''} for pairs[${n}].${side}; the model expects ${inputSize} finite values`,
          where: { field: `pairs[${n}].${side}` },
          hint: 'Make the featurizer return inputSize finite numbers for every response',
        });
      }
      out.set(f, n * inputSize);
    }
  });
  return { chosen, rejected, targets };
}

/** Soft-label logistic loss `−[p·log σ(z) + (1−p)·log σ(−z)]`, mean over the batch. */
export function pairwiseLogisticLoss(logits: tf.Tensor1D, targets: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    // log σ(z) = −softplus(−z); tf.logSigmoid breaks backward on non-leaf tensors in tfjs 4.22
    const logP = tf.neg(tf.softplus(tf.neg(logits)));
    const logQ = tf.neg(tf.softplus(logits));
    return tf.neg(tf.mean(tf.add(tf.mul(targets, logP), tf.mul(tf.sub(1, targets), logQ)))) as tf.Scalar;
  });
}

/**
 * Adam on the mean soft-label logistic loss of `logits(chosen, rejected)` over shuffled
 * mini-batches (shuffle from `seed`). Returns the mean training loss of each epoch.
 */
export async function trainPairwise(
  model: {
    readonly variables: readonly tf.Variable[];
    readonly inputSize: number;
    readonly featurizer: Featurizer;
    logits(chosen: tf.Tensor2D, rejected: tf.Tensor2D): tf.Tensor1D;
  },
  options: TrainPairwiseOptions,
  what: string,
): Promise<{ losses: number[] }> {
  const settings = parseOptions(trainPairwiseOptionsSchema, options, { what: `${what} options` });
  const d = model.inputSize;
  const data = featurizePairs(settings.pairs, model.featurizer, d, what);
  const n = settings.pairs.length;
  const rng = createRng(settings.seed).fork('shuffle');
  const optimizer = tf.train.adam(settings.learningRate);
  const weightMatrices = model.variables.filter((v) => v.rank === 2);
  const losses: number[] = [];
  try {
    for (let epoch = 0; epoch < settings.epochs; epoch++) {
      const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
      let total = 0;
      for (let start = 0; start < n; start += settings.batchSize) {
        const batch = order.slice(start, start + settings.batchSize);
        const b = batch.length;
        const chosenValues = new Float32Array(b * d);
        const rejectedValues = new Float32Array(b * d);
        const targetValues = new Float32Array(b);
        batch.forEach((row, k) => {
          chosenValues.set(data.chosen.subarray(row * d, row * d + d), k * d);
          rejectedValues.set(data.rejected.subarray(row * d, row * d + d), k * d);
          targetValues[k] = data.targets[row] as number;
        });
        const chosen = tf.tensor2d(chosenValues, [b, d]);
        const rejected = tf.tensor2d(rejectedValues, [b, d]);
        const targets = tf.tensor1d(targetValues);
        const loss = optimizer.minimize(
          () => {
            let value = pairwiseLogisticLoss(model.logits(chosen, rejected), targets);
            if (settings.weightDecay > 0) {
              for (const w of weightMatrices) value = tf.add(value, tf.mul(settings.weightDecay, tf.sum(tf.square(w))));
            }
            return value;
          },
          true,
          model.variables as tf.Variable[],
        );
        total += ((await loss?.data())?.[0] ?? Number.NaN) * b;
        loss?.dispose();
        chosen.dispose();
        rejected.dispose();
        targets.dispose();
      }
      const mean = total / n;
      if (!Number.isFinite(mean)) {
        throw new PrefplayError({
          code: 'numerical',
          problem: `${what}: the training loss became ${mean} in epoch ${epoch + 1}`,
          hint: 'Lower the learning rate or scale the features',
        });
      }
      losses.push(mean);
      settings.onEpoch?.(epoch, mean);
    }
  } finally {
    optimizer.dispose();
  }
  return { losses };
}
