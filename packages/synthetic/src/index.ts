export {
  type AnnotatorPopulation,
  annotatorUtility,
  drawAnnotators,
  majorityMatrix,
  numAnnotators,
} from './annotators.js';
export { type ClaimExploitability, claimExploitability, claimsOfTopic } from './claim-exploitability.js';
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
export { createDomainCodec, type DomainCodec, type DomainTokenizer } from './domain-codec.js';
export {
  type Claim,
  claimKey,
  malformedKey,
  parseResponseWords,
  type SyntheticMeaning,
} from './parse-response.js';
export { type ResponseStatistics, responseStatistics } from './response-statistics.js';
export { drawReferenceResponse } from './sft-corpus.js';
export { createSyntheticEncoder, embedMeaning, encoderDimension } from './synthetic-encoder.js';
export { createSyntheticEvaluator } from './synthetic-evaluator.js';
export { createTrainingOracle } from './training-oracle.js';
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
