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
};

export type LossBatchField = Exclude<keyof LossBatchV1, 'responsesPerPrompt'>;

export type LossResultV1 = {
  readonly loss: tf.Scalar;
  /** Scalar metrics named as TRL does (`rewards/chosen`, ...) plus `loss/<name>` terms. */
  readonly metrics: Readonly<Record<string, tf.Scalar>>;
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
  doCompute(batch: LossBatchV1): LossResultV1;
};
