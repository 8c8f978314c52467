import type { PolicyV1 } from './policy.js';
import type { PromptV1, SampleV1 } from './text.js';

/** What a trainer hands every evaluator at the end of an iteration. */
export type EvaluationContextV1 = {
  readonly iteration: number;
  /** Held-out prompts. */
  readonly prompts: readonly PromptV1[];
  /** Samples of the current policy, `[prompt][k]`. */
  readonly samples: readonly (readonly SampleV1[])[];
  /** Samples of the baseline (usually the starting policy), `[prompt][k]`. */
  readonly baselineSamples?: readonly (readonly SampleV1[])[];
  readonly policy?: PolicyV1;
  readonly reference?: PolicyV1;
  /**
   * A seed of this evaluation's own, drawn from (run seed, iteration): an evaluator that samples
   * for itself uses it, so that iterations are evaluated on independent draws.
   */
  readonly seed?: number;
  readonly signal?: AbortSignal;
};

/** Scalar results of an evaluation, named `<evaluator>/<metric>` or by a documented name. */
export type EvaluationResultV1 = Readonly<Record<string, number>>;

export type EvaluatorV1 = {
  readonly specificationVersion: 'v1';
  readonly evaluatorId: string;
  doEvaluate(context: EvaluationContextV1): Promise<EvaluationResultV1>;
};
