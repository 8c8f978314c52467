import type * as tf from '@tensorflow/tfjs-core';

/**
 * The tensors a loss may read. Pairwise fields are 1-D `[pairs]`, log-probs summed over response
 * tokens; `policy*`/`reference*` come from `π_θ` and the frozen reference `π_t`.
 * Per-response fields (`policyLogps`, `referenceLogps`, `winRates`) hold all K responses of each
 * prompt, prompt-major, for losses that use every sample.
 */
export type LossBatchV1 = {
  readonly policyChosenLogps?: tf.Tensor1D;
  readonly policyRejectedLogps?: tf.Tensor1D;
  readonly referenceChosenLogps?: tf.Tensor1D;
  readonly referenceRejectedLogps?: tf.Tensor1D;
  readonly chosenLengths?: tf.Tensor1D;
  readonly rejectedLengths?: tf.Tensor1D;
  /** `p̂_w`: win rate of the chosen response against the K samples. */
  readonly chosenWinRate?: tf.Tensor1D;
  /** `p̂_l`: win rate of the rejected response. */
  readonly rejectedWinRate?: tf.Tensor1D;
  /** `M_wl`: probability that chosen beats rejected. */
  readonly pairPreference?: tf.Tensor1D;
  /** `[pairs, hidden]` pooled hidden states of chosen and rejected under `π_θ`. */
  readonly chosenHidden?: tf.Tensor2D;
  readonly rejectedHidden?: tf.Tensor2D;
  /** `[prompts·K]` log-probs of every sampled response. */
  readonly policyLogps?: tf.Tensor1D;
  readonly referenceLogps?: tf.Tensor1D;
  /** `[prompts·K]` win rate `p̂_i` of every sampled response. */
  readonly winRates?: tf.Tensor1D;
  /** K, the number of responses per prompt in the per-response fields. */
  readonly responsesPerPrompt?: number;
  /**
   * `[pairs, maxResponseLength]` per-token log-probs of chosen and rejected under `π_θ`, zero at
   * padding, with their masks (1 at response tokens, 0 at padding).
   */
  readonly policyChosenTokenLogps?: tf.Tensor2D;
  readonly policyRejectedTokenLogps?: tf.Tensor2D;
  readonly chosenTokenMask?: tf.Tensor2D;
  readonly rejectedTokenMask?: tf.Tensor2D;
  /** Fields contributed by batch extensions (`LossBatchExtensionV1`), by name. */
  readonly extensions?: Readonly<Record<string, tf.Tensor>>;
};

export type LossBatchField = Exclude<keyof LossBatchV1, 'responsesPerPrompt' | 'extensions'>;

/** Every built-in batch field, in a stable order. */
export const lossBatchFields = [
  'policyChosenLogps',
  'policyRejectedLogps',
  'referenceChosenLogps',
  'referenceRejectedLogps',
  'chosenLengths',
  'rejectedLengths',
  'chosenWinRate',
  'rejectedWinRate',
  'pairPreference',
  'chosenHidden',
  'rejectedHidden',
  'policyLogps',
  'referenceLogps',
  'winRates',
  'policyChosenTokenLogps',
  'policyRejectedTokenLogps',
  'chosenTokenMask',
  'rejectedTokenMask',
] as const satisfies readonly LossBatchField[];

/**
 * The result of a loss. `loss` is the scalar the optimiser minimises; `metrics` holds scalar
 * metrics named as TRL does (`rewards/chosen`, ...), `loss/<term>` for each term of a composite
 * loss, and `loss/total`, equal to `loss` (the trainer adds it when a loss leaves it out).
 */
export type LossResultV1 = {
  readonly loss: tf.Scalar;
  readonly metrics: Readonly<Record<string, tf.Scalar>> & { readonly 'loss/total'?: tf.Scalar };
};

/**
 * One training row as a loss-batch extension sees it: token ids, reference log-probs, targets,
 * and (self-play) every sampled response of the prompt.
 */
export type LossRowV1 = {
  readonly prompt: readonly number[];
  readonly chosen: readonly number[];
  readonly rejected: readonly number[];
  readonly referenceChosenLogp: number;
  readonly referenceRejectedLogp: number;
  readonly chosenWinRate?: number;
  readonly rejectedWinRate?: number;
  readonly pairPreference?: number;
  readonly responses?: readonly (readonly number[])[];
  readonly referenceLogps?: readonly number[];
  readonly winRates?: readonly number[];
};

/**
 * A plugin-contributed batch field: computed from the rows of a minibatch (inside the gradient
 * scope, so it may use the policy), stored under `batch.extensions[name]`. A loss asks for it by
 * listing the name in `requiresExtensions`.
 */
export type LossBatchExtensionV1 = {
  readonly specificationVersion: 'v1';
  readonly name: string;
  doCompute(rows: readonly LossRowV1[]): tf.Tensor;
};

/**
 * A training objective. `doCompute` runs inside the caller's gradient scope; it never disposes its
 * inputs and the caller owns the outputs.
 */
export type LossV1 = {
  readonly specificationVersion: 'v1';
  readonly lossId: string;
  /** Batch fields this loss reads; a trainer computes only these. */
  readonly requires: readonly LossBatchField[];
  /** Names of batch extensions this loss reads from `batch.extensions`. */
  readonly requiresExtensions?: readonly string[];
  doCompute(batch: LossBatchV1): LossResultV1;
};
