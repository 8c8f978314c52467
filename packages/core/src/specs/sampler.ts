import type { PromptV1, SampleV1 } from './text.js';

export type SampleOptionsV1 = {
  readonly prompts: readonly PromptV1[];
  /** K: responses to draw per prompt. */
  readonly samplesPerPrompt: number;
  /** Seed of this call; the same seed and inputs give the same samples. */
  readonly seed: number;
  readonly signal?: AbortSignal;
};

/** Draws K responses per prompt. Result is indexed `[prompt][k]`. */
export type SamplerV1 = {
  readonly specificationVersion: 'v1';
  readonly samplerId: string;
  doSample(options: SampleOptionsV1): Promise<SampleV1[][]>;
};
