export {
  choiceFromLogprobs,
  choiceFromText,
  choiceLabel,
  type LogprobPosition,
  type TokenLogprob,
} from '@prefplay/core';
export {
  type AiSdkEncoder,
  type AiSdkEncoderOptions,
  type AiSdkEncoderStats,
  aiSdkEncoder,
  aiSdkEncoderOptionsSchema,
} from './ai-sdk-encoder.js';
export {
  type AiSdkJudge,
  type AiSdkJudgeOptions,
  type AiSdkJudgeStats,
  aiSdkJudge,
  aiSdkJudgeOptionsSchema,
  defaultJudgeSystemPrompt,
  defaultJudgeUserTemplate,
  type JudgeAnswer,
  type ReadLogprobs,
} from './ai-sdk-judge.js';
export {
  type AiSdkSample,
  type AiSdkSampler,
  type AiSdkSamplerOptions,
  type AiSdkSamplerStats,
  aiSdkSampler,
  aiSdkSamplerOptionsSchema,
  mapFinishReason,
  type RenderPrompt,
} from './ai-sdk-sampler.js';
export { type LogprobsMetadataExtractor, logprobsMetadataExtractor } from './logprobs-metadata-extractor.js';
export { parseLogprobs, readProviderLogprobs } from './read-provider-logprobs.js';
