export { baselineWinRateEvaluator } from './baseline-win-rate-evaluator.js';
export { distinctN } from './distinct-n.js';
export { type DiversityEvaluatorOptions, diversityEvaluator } from './diversity-evaluator.js';
export { dualityGap, exploitability, payoffAgainst } from './exploitability.js';
export {
  type ExploitabilityEvaluatorOptions,
  exploitabilityEvaluator,
  type ResponsePool,
} from './exploitability-evaluator.js';
export { assertGameMatrix, assertPolicy, type GameInputOptions, type InputLocation } from './game-inputs.js';
export { type LabelDiversity, labelDiversity } from './label-diversity.js';
export {
  type LengthControlledWinRate,
  type LengthControlledWinRateOptions,
  type LengthControlRow,
  lengthControlledWinRate,
} from './length-controlled-win-rate.js';
export { meanLength } from './mean-length.js';
export { meanPairwiseSimilarity } from './mean-pairwise-similarity.js';
export {
  type MultiplicativeWeightsOptions,
  type MultiplicativeWeightsResult,
  multiplicativeWeights,
} from './multiplicative-weights.js';
export { nonTerminationRate } from './non-termination-rate.js';
export { type PerSeedSummary, perSeedSummary } from './per-seed-summary.js';
export { type PoolExploitabilityResult, poolExploitability } from './pool-exploitability.js';
export { repetitionRate } from './repetition-rate.js';
export { type SameLabelAgreement, sameLabelAgreement } from './same-label-agreement.js';
export { type BleuOptions, bleu, selfBleu } from './self-bleu.js';
export { type StepFraction, stepFraction } from './step-fraction.js';
export { textStatisticsEvaluator } from './text-statistics-evaluator.js';
export {
  type TwoSampleWinRate,
  twoSampleWinRate,
  twoSampleWinRateContrast,
  twoSampleWinRateDifference,
  type WinRateGroup,
  type WinRateSample,
} from './two-sample-win-rate.js';
export { type VonNeumannWinner, type VonNeumannWinnerOptions, vonNeumannWinner } from './von-neumann-winner.js';
export { type WinRate, winRate } from './win-rate.js';
export { type WinRateEvaluatorOptions, winRateEvaluator } from './win-rate-evaluator.js';
