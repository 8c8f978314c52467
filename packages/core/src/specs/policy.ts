import type * as tf from '@tensorflow/tfjs-core';
import type { TokenIds } from './text.js';

export type PolicyForwardOptionsV1 = {
  /** One prompt per row. */
  readonly prompts: readonly TokenIds[];
  /** One response per row, aligned with `prompts`; only these tokens are scored. */
  readonly responses: readonly TokenIds[];
  /** Extra outputs to compute in the same pass. */
  readonly outputs?: {
    /** Per-token log-probs of the response tokens. */
    readonly tokenLogps?: boolean;
    /** Pooled last-layer hidden states of the response tokens. */
    readonly hidden?: boolean;
  };
};

export type PolicyForwardResultV1 = {
  /** `log π(y|x)`: sum of response-token log-probs, shape `[batch]`. */
  readonly logps: tf.Tensor1D;
  /** Number of scored response tokens per row. */
  readonly responseLengths: readonly number[];
  /** `[batch, maxResponseLength]`, zero at padding (present when asked for). */
  readonly tokenLogps?: tf.Tensor2D;
  /** `[batch, maxResponseLength]`, 1 at response tokens, 0 at padding (with `tokenLogps`). */
  readonly responseMask?: tf.Tensor2D;
  /** `[batch, hiddenSize]`, mean over response tokens of the last layer (present when asked for). */
  readonly hidden?: tf.Tensor2D;
};

/** Weights and configuration of a policy, enough to rebuild it exactly. */
export type PolicyStateV1 = {
  /** Which implementation wrote it, e.g. `transformer` or `tabular`. */
  readonly kind: string;
  /** JSON-serialisable architecture configuration. */
  readonly config: unknown;
  /** Named weight tensors as plain data. */
  readonly weights: Readonly<Record<string, { readonly shape: readonly number[]; readonly values: Float32Array }>>;
};

/**
 * A trainable policy `π_θ(y|x)` over token sequences.
 *
 * Tensor results belong to the caller, who runs the call inside `tf.tidy` or a gradient scope.
 */
export type PolicyV1 = {
  readonly specificationVersion: 'v1';
  readonly policyId: string;
  doForward(options: PolicyForwardOptionsV1): PolicyForwardResultV1;
  /** The variables an optimiser updates (empty for a frozen snapshot). */
  trainableVariables(): readonly tf.Variable[];
  /** A frozen copy with the current weights, to serve as the reference `π_t`. */
  doSnapshot(): PolicyV1;
  /** Current weights and configuration. */
  doSaveState(): PolicyStateV1;
  /** Replaces the weights with those of a state of the same kind and shape. */
  doLoadState(state: PolicyStateV1): void;
  /** Frees the policy's tensors. */
  dispose(): void;
};
