/** Token ids of one sequence. */
export type TokenIds = readonly number[];

/** A prompt as every spec sees it: a stable id, its token ids and optionally its text. */
export type PromptV1 = {
  readonly id: string;
  readonly tokens: TokenIds;
  readonly text?: string;
};

/** A response to a prompt: its token ids (response only, no prompt) and optionally its text. */
export type ResponseV1 = {
  readonly tokens: TokenIds;
  readonly text?: string;
};

/** Why generation of a sample ended. */
export type FinishReason = 'stop' | 'length' | 'error';

/** A response drawn by a sampler, with everything needed to reproduce it. */
export type SampleV1 = ResponseV1 & {
  readonly finishReason: FinishReason;
  /** Seed of the stream this sample was drawn from. */
  readonly seed: number;
  /** The sampler settings in force (temperature, top-k, ...). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Summed log-probability of the response under the sampling distribution, when known. */
  readonly logprob?: number;
};
