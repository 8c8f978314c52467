export {
  assertPlugin,
  type ComponentRegistries,
  type ComponentRegistry,
  createComponentRegistry,
  emptyComponentRegistries,
  withPlugins,
} from './component-registry.js';
export { type EosTokenIds, type EosTokenIdsSource, eosTokenIdsSchema, parseEosTokenIds } from './eos-token-ids.js';
export {
  type ErrorLocation,
  formatLocation,
  PrefplayError,
  type PrefplayErrorCode,
  type PrefplayErrorOptions,
  prefixErrorField,
} from './errors.js';
export {
  createHttpClient,
  type FetchFunction,
  type HttpClient,
  type HttpClientOptions,
  type HttpConnectionOptions,
  HttpRequestError,
  httpConnectionOf,
  httpConnectionOptionsSchema,
  joinURL,
  type PostJsonOptions,
  type ResolvedHttpClientOptions,
} from './http-client.js';
export {
  choiceFromLogprobs,
  choiceFromText,
  choiceLabel,
  type JudgeAnswerReading,
  type LogprobPosition,
  readJudgeAnswer,
  type TokenLogprob,
} from './judge-answer.js';
export { issuePath, type LocatedIssue, locateIssues, type ParseContext, parseOptions } from './parse-options.js';
export { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry-policy.js';
export { createRng, type Rng, type RngState } from './rng.js';
export type { DecoderV1, DecodingSessionV1 } from './specs/decoder.js';
export type { EvaluationContextV1, EvaluationResultV1, EvaluatorV1 } from './specs/evaluator.js';
export {
  type LossBatchExtensionV1,
  type LossBatchField,
  type LossBatchV1,
  type LossResultV1,
  type LossRowV1,
  type LossV1,
  lossBatchFields,
} from './specs/loss.js';
export {
  type ComponentContextV1,
  type ComponentFactoryV1,
  type ComponentKindsV1,
  type ComponentKindV1,
  definePlugin,
  type PrefplayPluginV1,
} from './specs/plugin.js';
export type { PolicyForwardOptionsV1, PolicyForwardResultV1, PolicyStateV1, PolicyV1 } from './specs/policy.js';
export type { CompareOptionsV1, PreferenceMatrix, PreferenceOracleV1 } from './specs/preference-oracle.js';
export type { SampleOptionsV1, SamplerV1 } from './specs/sampler.js';
export type { EncodeOptionsV1, SemanticEncoderV1 } from './specs/semantic-encoder.js';
export type { FinishReason, PromptV1, ResponseV1, SampleV1, TokenIds } from './specs/text.js';
