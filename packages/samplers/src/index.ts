export {
  type CandidateSamplerOptions,
  candidateSamplerOptionsSchema,
  createCandidateSampler,
} from './candidate-sampler.js';
export {
  type DrawnToken,
  type LogitsProcessing,
  sampleFromLogits,
  samplingDistribution,
} from './sample-from-logits.js';
export {
  createTokenSampler,
  sampleStreamLabel,
  type TokenSamplerOptions,
  type TokenSamplerSettings,
  tokenSamplerOptionsSchema,
} from './token-sampler.js';
