import type { PreferenceMatrix, PreferenceOracleV1, PromptV1, ResponseV1 } from '@prefplay/core';
import { createRng, PrefplayError, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { createMlp } from './mlp.js';
import { type Featurizer, type TrainPairwiseOptions, trainPairwise } from './train-pairwise.js';

export const rewardModelOptionsSchema = z
  .object({
    /** `(prompt, response) => number[]` of length `inputSize`: the model's only view of a response. */
    featurizer: z.custom<Featurizer>((v) => typeof v === 'function', 'must be a function'),
    inputSize: z.number().int().min(1).max(1_000_000),
    hiddenSizes: z.array(z.number().int().min(1).max(65_536)).max(16).default([32]),
    activation: z.enum(['relu', 'tanh']).default('relu'),
    seed: z.number().int().default(0),
    modelId: z.string().min(1).default('reward-model'),
  })
  .strict();

export type RewardModelOptions = z.input<typeof rewardModelOptionsSchema>;

/**
 * A neural Bradley-Terry reward model: `P(y ≻ y' | x) = σ(r(x, y) − r(x, y'))` with `r` an MLP over
 * `featurizer(x, y)`. Transitive by construction. Also a `PreferenceOracleV1`.
 */
export type RewardModel = PreferenceOracleV1 & {
  readonly kind: 'reward-model';
  readonly inputSize: number;
  readonly featurizer: Featurizer;
  readonly variables: tf.Variable[];
  /** Rewards `[batch]` of feature rows `[batch, inputSize]`; the caller owns the result. */
  score(features: tf.Tensor2D): tf.Tensor1D;
  /** Logits `r(chosen) − r(rejected)` per row; the caller owns the result. */
  logits(chosen: tf.Tensor2D, rejected: tf.Tensor2D): tf.Tensor1D;
  /** Rewards of responses to one prompt, as plain numbers. */
  scoreResponses(prompt: PromptV1, responses: readonly ResponseV1[]): Promise<number[]>;
  dispose(): void;
};

export function featurizeResponses(
  featurizer: Featurizer,
  inputSize: number,
  prompt: PromptV1,
  responses: readonly ResponseV1[],
  what: string,
): tf.Tensor2D {
  const values = new Float32Array(responses.length * inputSize);
  responses.forEach((response, r) => {
    const f = featurizer(prompt, response);
    if (f.length !== inputSize || f.some((x) => !Number.isFinite(x))) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `${what}: the featurizer gave ${f.length} values for response ${r}; the model expects ${inputSize} finite values`,
        where: { field: `responses[${r}]` },
      });
    }
    values.set(f, r * inputSize);
  });
  return tf.tensor2d(values, [responses.length, inputSize]);
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Creates a neural Bradley-Terry reward model (reproducible for a seed). */
export function createRewardModel(options: RewardModelOptions): RewardModel {
  const settings = parseOptions(rewardModelOptionsSchema, options, { what: 'createRewardModel options' });
  const mlp = createMlp({
    inputSize: settings.inputSize,
    hiddenSizes: settings.hiddenSizes,
    outputSize: 1,
    activation: settings.activation,
    rng: createRng(settings.seed).fork('reward-model-init'),
  });
  const score = (features: tf.Tensor2D): tf.Tensor1D => tf.tidy(() => tf.reshape(mlp.apply(features), [-1]));
  const model: RewardModel = {
    specificationVersion: 'v1',
    oracleId: settings.modelId,
    kind: 'reward-model',
    inputSize: settings.inputSize,
    featurizer: settings.featurizer,
    variables: mlp.variables,
    score,
    logits: (chosen, rejected) => tf.tidy(() => tf.sub(score(chosen), score(rejected))),
    async scoreResponses(prompt, responses) {
      const rewards = tf.tidy(() =>
        score(featurizeResponses(settings.featurizer, settings.inputSize, prompt, responses, settings.modelId)),
      );
      const values = Array.from(await rewards.data());
      rewards.dispose();
      return values;
    },
    async doCompare({ prompt, responses }): Promise<PreferenceMatrix> {
      const r = await model.scoreResponses(prompt, responses);
      return r.map((ri, i) => r.map((rj, j) => (i === j ? 0.5 : i < j ? sigmoid(ri - rj) : 1 - sigmoid(rj - ri))));
    },
    dispose: () => mlp.dispose(),
  };
  return model;
}

/** Trains a reward model on labelled pairs with the (soft-label) logistic loss; returns epoch losses. */
export function trainRewardModel(model: RewardModel, options: TrainPairwiseOptions): Promise<{ losses: number[] }> {
  return trainPairwise(model, options, 'trainRewardModel');
}
