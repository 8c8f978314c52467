import type { PreferenceMatrix, PreferenceOracleV1, PromptV1, ResponseV1 } from '@prefplay/core';
import { createRng, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { createMlp } from './mlp.js';
import { featurizeResponses } from './reward-model.js';
import { type Featurizer, type TrainPairwiseOptions, trainPairwise } from './train-pairwise.js';

export const generalPreferenceModelOptionsSchema = z
  .object({
    featurizer: z.custom<Featurizer>((v) => typeof v === 'function', 'must be a function'),
    inputSize: z.number().int().min(1).max(1_000_000),
    /** k: the embedding has 2k dimensions and the operator k rotation blocks λ_i J. */
    blocks: z.number().int().min(1).max(4096).default(2),
    hiddenSizes: z.array(z.number().int().min(1).max(65_536)).max(16).default([32]),
    activation: z.enum(['relu', 'tanh']).default('tanh'),
    /** τ in `P = σ(vᵀ R v' / τ)`. */
    temperature: z.number().positive().max(1e6).default(1),
    seed: z.number().int().default(0),
    modelId: z.string().min(1).default('general-preference-model'),
  })
  .strict();

export type GeneralPreferenceModelOptions = z.input<typeof generalPreferenceModelOptionsSchema>;

/**
 * General preference model (GPM, arXiv 2410.02197): unit embeddings `v(x, y) ∈ R^{2k}` from an MLP,
 * operator `R = blockdiag(λ_1 J, …, λ_k J)` with `J = [[0, −1], [1, 0]]` and `λ = softplus(ρ) ≥ 0`,
 * score `s(y, y') = v(y)ᵀ R v(y')` (antisymmetric) and `P(y ≻ y') = σ(s / τ)`. Represents cycles.
 */
export type GeneralPreferenceModel = PreferenceOracleV1 & {
  readonly kind: 'general-preference-model';
  readonly inputSize: number;
  readonly blocks: number;
  readonly featurizer: Featurizer;
  readonly variables: tf.Variable[];
  /** Unit-norm embeddings `[batch, 2k]`; the caller owns the result. */
  embed(features: tf.Tensor2D): tf.Tensor2D;
  /** `λ ≥ 0`, shape `[k]`; the caller owns the result. */
  eigenvalues(): tf.Tensor1D;
  /** `s(chosen, rejected) / τ` per row; the caller owns the result. */
  logits(chosen: tf.Tensor2D, rejected: tf.Tensor2D): tf.Tensor1D;
  dispose(): void;
};

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Creates a GPM (reproducible for a seed). */
export function createGeneralPreferenceModel(options: GeneralPreferenceModelOptions): GeneralPreferenceModel {
  const settings = parseOptions(generalPreferenceModelOptionsSchema, options, {
    what: 'createGeneralPreferenceModel options',
  });
  const k = settings.blocks;
  const mlp = createMlp({
    inputSize: settings.inputSize,
    hiddenSizes: settings.hiddenSizes,
    outputSize: 2 * k,
    activation: settings.activation,
    rng: createRng(settings.seed).fork('gpm-init'),
  });
  // softplus(ρ) = 1 at start
  const initialRho = tf.fill([k], Math.log(Math.E - 1));
  const rho = tf.variable(initialRho, true);
  initialRho.dispose();
  // constant selectors: even = columns 0,2,4…; odd = 1,3,5…, as [2k, k] matrices (no gather/stridedSlice)
  const evenValues = new Float32Array(2 * k * k);
  const oddValues = new Float32Array(2 * k * k);
  for (let i = 0; i < k; i++) {
    evenValues[2 * i * k + i] = 1;
    oddValues[(2 * i + 1) * k + i] = 1;
  }
  const even = tf.tensor2d(evenValues, [2 * k, k]);
  const odd = tf.tensor2d(oddValues, [2 * k, k]);
  const embed = (features: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      const raw = mlp.apply(features);
      const norm = tf.sqrt(tf.add(tf.sum(tf.square(raw), 1, true), 1e-12));
      return tf.div(raw, norm);
    });
  const eigenvalues = (): tf.Tensor1D => tf.tidy(() => tf.softplus(rho as tf.Tensor1D));
  const model: GeneralPreferenceModel = {
    specificationVersion: 'v1',
    oracleId: settings.modelId,
    kind: 'general-preference-model',
    inputSize: settings.inputSize,
    blocks: k,
    featurizer: settings.featurizer,
    variables: [...mlp.variables, rho],
    embed,
    eigenvalues,
    logits: (chosen, rejected) =>
      tf.tidy(() => {
        const a = embed(chosen);
        const b = embed(rejected);
        // vᵀ (λ J) v' per block = λ (a_odd·b_even − a_even·b_odd)
        const cross = tf.sub(
          tf.mul(tf.matMul(a, odd), tf.matMul(b, even)),
          tf.mul(tf.matMul(a, even), tf.matMul(b, odd)),
        );
        return tf.div(tf.sum(tf.mul(cross, eigenvalues()), 1), settings.temperature);
      }),
    async doCompare({
      prompt,
      responses,
    }: {
      prompt: PromptV1;
      responses: readonly ResponseV1[];
    }): Promise<PreferenceMatrix> {
      const [embeddingTensor, lambdaTensor] = tf.tidy(() => [
        embed(featurizeResponses(settings.featurizer, settings.inputSize, prompt, responses, settings.modelId)),
        eigenvalues(),
      ]);
      const v = (await (embeddingTensor as tf.Tensor2D).array()) as number[][];
      const lambda = Array.from(await (lambdaTensor as tf.Tensor1D).data());
      embeddingTensor?.dispose();
      lambdaTensor?.dispose();
      const n = responses.length;
      const out = Array.from({ length: n }, () => new Array<number>(n).fill(0.5));
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const a = v[i] as number[];
          const b = v[j] as number[];
          let s = 0;
          for (let block = 0; block < k; block++) {
            const a0 = a[2 * block] as number;
            const a1 = a[2 * block + 1] as number;
            const b0 = b[2 * block] as number;
            const b1 = b[2 * block + 1] as number;
            s += (lambda[block] as number) * (a1 * b0 - a0 * b1);
          }
          const p = sigmoid(s / settings.temperature);
          (out[i] as number[])[j] = p;
          (out[j] as number[])[i] = 1 - p;
        }
      }
      return out;
    },
    dispose(): void {
      mlp.dispose();
      rho.dispose();
      even.dispose();
      odd.dispose();
    },
  };
  return model;
}

/** Trains a GPM on labelled pairs with the (soft-label) logistic loss; returns epoch losses. */
export function trainGeneralPreferenceModel(
  model: GeneralPreferenceModel,
  options: TrainPairwiseOptions,
): Promise<{ losses: number[] }> {
  return trainPairwise(model, options, 'trainGeneralPreferenceModel');
}
