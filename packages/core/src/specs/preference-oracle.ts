import type { PromptV1, ResponseV1 } from './text.js';

/** `M[i][j] = P(y_i ≻ y_j | x)`; a constant-sum matrix: `M + Mᵀ = 1`, `diag(M) = 1/2`. */
export type PreferenceMatrix = number[][];

export type CompareOptionsV1 = {
  readonly prompt: PromptV1;
  readonly responses: readonly ResponseV1[];
  readonly signal?: AbortSignal;
};

/** A preference oracle (judge, reward model, annotator population, ...). */
export type PreferenceOracleV1 = {
  readonly specificationVersion: 'v1';
  readonly oracleId: string;
  /** The K×K win-probability matrix of the responses to one prompt. */
  doCompare(options: CompareOptionsV1): Promise<PreferenceMatrix>;
};
