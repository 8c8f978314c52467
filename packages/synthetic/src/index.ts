export {
  type AnnotatorPopulation,
  annotatorUtility,
  drawAnnotators,
  majorityMatrix,
  numAnnotators,
  paddingWeight,
} from './annotators.js';
export { cellLabel, type TaskFactors } from './cell-label.js';
export { type ClaimExploitability, claimExploitability, claimsOfTopic } from './claim-exploitability.js';
export {
  type ContrastiveEncoder,
  type ContrastiveEncoderOptions,
  contrastiveEncoderOptionsSchema,
  trainContrastiveEncoder,
} from './contrastive-encoder.js';
export {
  type BasePolicyFit,
  type BasePolicyOptions,
  basePolicyOptionsSchema,
  createBasePolicy,
  fitBasePolicy,
} from './create-base-policy.js';
export {
  createSyntheticTask,
  type ResolvedSyntheticTaskOptions,
  type SyntheticPolicyConfig,
  type SyntheticPrompt,
  type SyntheticTask,
  type SyntheticTaskOptions,
  syntheticTaskOptionsSchema,
} from './create-synthetic-task.js';
export {
  distributionSummary,
  expectedWinRate,
  histogramDistribution,
  type MeaningDistribution,
  winRateSample,
} from './distribution-metrics.js';
export { createDomainCodec, type DomainCodec, type DomainTokenizer } from './domain-codec.js';
export { expectedDistinctMeanings, type IdealCurveRow, type IdealSpec, idealCurves } from './ideal-curves.js';
export { type IdealDynamics, type IdealDynamicsOptions, idealDynamics } from './ideal-dynamics.js';
export {
  baseSampleSeed,
  createMeaningEvaluator,
  evaluationSeed,
  type MeaningEvaluatorOptions,
  type MeaningRecord,
  meaningEvaluatorOptionsSchema,
  sampleMeaningHistograms,
} from './meaning-evaluator.js';
export {
  alignDistributions,
  histogramProbabilities,
  type MeaningHistogram,
  meaningHistogram,
  meaningLabel,
} from './meaning-histogram.js';
export {
  createNoisyMeaningEncoder,
  misreadMeaning,
  type NoisyMeaningEncoderOptions,
  noisyMeaningEncoderOptionsSchema,
} from './noisy-meaning-encoder.js';
export { pairedWinRateDifference } from './paired-win-rate-difference.js';
export {
  type Claim,
  claimKey,
  malformedKey,
  parseResponseWords,
  type SyntheticMeaning,
} from './parse-response.js';
export { type ResponseStatistics, responseStatistics } from './response-statistics.js';
export { type ClaimSlots, drawConcentratedClaim, drawReferenceResponse } from './sft-corpus.js';
export { stepFractions } from './step-fractions.js';
export { createSyntheticEncoder, embedMeaning, encoderDimension } from './synthetic-encoder.js';
export { createSyntheticEvaluator } from './synthetic-evaluator.js';
export { createTrainingOracle, overconfidentVerdict, trainingMatrix } from './training-oracle.js';
export { createTruePreference, truthMatrix } from './true-preference.js';
export {
  claimsPerTopic,
  contextGroups,
  copulaWords,
  domainWords,
  fillerWords,
  numContexts,
  numQualities,
  numTopics,
  promptTemplates,
  qualityGroups,
  roleOf,
  stopWord,
  topicGroups,
  type WordRole,
} from './vocabulary.js';
