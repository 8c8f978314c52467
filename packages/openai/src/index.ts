export {
  type OpenAIEmbeddingsEncoderOptions,
  openAIEmbeddingsEncoder,
  openAIEmbeddingsEncoderOptionsSchema,
} from './openai-embeddings-encoder.js';
export {
  type OpenAIJudge,
  type OpenAIJudgeOptions,
  type OpenAIJudgeStats,
  type OpenAIJudgeUnreadableAnswer,
  openAIJudge,
  openAIJudgeOptionsSchema,
  probabilityFromLogprobs,
  probabilityFromText,
} from './openai-judge.js';
export {
  mapFinishReason,
  type OpenAISamplerOptions,
  openAISampler,
  openAISamplerOptionsSchema,
  sumLogprobs,
} from './openai-sampler.js';
