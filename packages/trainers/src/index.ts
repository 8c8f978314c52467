export { createOptimizer, type OptimizerName, optimizerNameSchema, optimizerNames } from './create-optimizer.js';
export { type Distribution, describeDistribution, distributionMetrics } from './distribution.js';
export {
  type ExactDynamicsSpec,
  effectiveEta,
  exactDynamicsOf,
  exactDynamicsSpecs,
  isSppoFamily,
} from './exact-dynamics-specs.js';
export { buildLossBatch, type PairwiseRow } from './loss-batch.js';
export {
  type MinibatchLoopOptions,
  type MinibatchLoopResult,
  runMinibatchLoop,
} from './minibatch-loop.js';
export { type RunStart, startOrResumeRun } from './resume-run.js';
export {
  type OfflinePairwiseConfig,
  type OfflinePairwiseDeps,
  type OfflinePairwiseResult,
  offlinePairwiseConfigSchema,
  type PairwiseExample,
  runOfflinePairwise,
} from './run-offline-pairwise.js';
export {
  buildSelfPlayLoss,
  type LossResolver,
  runSelfPlay,
  type SelfPlayDeps,
  type SelfPlayResult,
  type TrainerProgress,
} from './run-self-play.js';
export { type MetricsRecord, memoryRunStore, type RunStore, type StoredCheckpoint } from './run-store.js';
export { type IterationSummary, type MethodSummary, meanOverSeeds, type RunSummary } from './run-summary.js';
export {
  calibrationConfigSchema,
  type LossSelection,
  lossSelectionSchema,
  type ResolvedSelfPlayConfig,
  repulsionConfigSchema,
  resolveCalibration,
  type SelfPlayConfig,
  selfPlayConfigSchema,
  selfPlayRunName,
} from './self-play-config.js';
export {
  collectSelfPlayIteration,
  type SelfPlayIterationData,
  type SelfPlayIterationInput,
} from './self-play-iteration.js';
export {
  mergeConfigLayers,
  type SelfPlayPresetName,
  selfPlayConfigFromPreset,
  selfPlayPresetNames,
  selfPlayPresets,
} from './self-play-presets.js';
export { scoreResponses, type TrainStepOptions, type TrainStepResult, trainStep } from './train-step.js';
export {
  decodeTrainerCheckpoint,
  encodeTrainerCheckpoint,
  type TrainerEvent,
  type TrainerState,
} from './trainer-checkpoint.js';
