export { createOptimizer, type OptimizerName, optimizerNames } from './create-optimizer.js';
export { type Distribution, describeDistribution, distributionMetrics } from './distribution.js';
export { policyHiddenEncoder } from './policy-hidden-encoder.js';
export { type PoolExploitabilityResult, poolExploitability } from './pool-exploitability.js';
export {
  defaultReportPanels,
  defaultTableColumns,
  formatFinalTable,
  type ReportColumn,
  type ReportPanel,
  renderFinalTable,
  renderLinePlotSvg,
  renderReportHtml,
} from './report-html.js';
export {
  checkpointFileName,
  listCheckpoints,
  type MetricsRecord,
  openRunDirectory,
  type RunDirectory,
  readMetricsFile,
} from './run-directory.js';
export {
  type OfflinePairwiseConfig,
  type OfflinePairwiseDeps,
  type OfflinePairwiseResult,
  offlinePairwiseConfigSchema,
  offlinePairwiseLosses,
  type PairwiseExample,
  runOfflinePairwise,
} from './run-offline-pairwise.js';
export {
  type ResolvedSelfPlayConfig,
  resolveCalibration,
  runSelfPlay,
  type SelfPlayConfig,
  type SelfPlayDeps,
  type SelfPlayMethod,
  type SelfPlayResult,
  selfPlayConfigSchema,
  selfPlayLoss,
  selfPlayMethods,
  type TrainerProgress,
} from './run-self-play.js';
export { type IterationSummary, type MethodSummary, meanOverSeeds, type RunSummary } from './run-summary.js';
export {
  type SelfPlayTargets,
  type SelfPlayTargetsInput,
  selfPlayTargets,
  upperTriangle,
} from './self-play-targets.js';
export { characterNgrams, type TfidfEncoderOptions, tfidfEncoder, tfidfEncoderOptionsSchema } from './tfidf-encoder.js';
export { buildLossBatch, type PairwiseRow, scoreResponses, type TrainStepResult, trainStep } from './train-step.js';
export {
  loadLatestTrainerCheckpoint,
  saveTrainerCheckpoint,
  type TrainerEvent,
  type TrainerState,
} from './trainer-checkpoint.js';
