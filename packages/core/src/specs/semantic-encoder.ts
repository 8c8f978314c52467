import type { PromptV1, ResponseV1 } from './text.js';

export type EncodeOptionsV1 = {
  readonly responses: readonly ResponseV1[];
  readonly prompt?: PromptV1;
  readonly signal?: AbortSignal;
};

/** Maps responses to unit vectors whose cosine similarity measures shared meaning. */
export type SemanticEncoderV1 = {
  readonly specificationVersion: 'v1';
  readonly encoderId: string;
  /** One unit-norm embedding per response. */
  doEncode(options: EncodeOptionsV1): Promise<number[][]>;
};
