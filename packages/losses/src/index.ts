export {
  assertSameLength,
  type PairLogps,
  pairLogpsFields,
  readBatchField,
  readPairLogps,
  readResponsesPerPrompt,
} from './batch-fields.js';
export {
  type ConservativeDpoLossOptions,
  conservativeDpoLoss,
  conservativeDpoLossOptionsSchema,
} from './conservative-dpo-loss.js';
export { type DefinePairwiseLossOptions, definePairwiseLoss } from './define-pairwise-loss.js';
export { type DpoLossOptions, dpoLoss, dpoLossOptionsSchema, negativeLogSigmoid } from './dpo-loss.js';
export { type HingeLossOptions, hingeLoss, hingeLossOptionsSchema } from './hinge-loss.js';
export { type IpoLossOptions, ipoLoss, ipoLossOptionsSchema } from './ipo-loss.js';
export {
  createLossRegistry,
  type DefaultLossName,
  defaultLossRegistry,
  type LossFactories,
  type LossFactory,
  type LossRegistry,
} from './loss-registry.js';
export { pairwiseRewardMetrics } from './pairwise-metrics.js';
export {
  type RepulsionForm,
  type RepulsionLossOptions,
  repulsionForms,
  repulsionLoss,
  repulsionLossOptionsSchema,
} from './repulsion-loss.js';
export { type RobustDpoLossOptions, robustDpoLoss, robustDpoLossOptionsSchema } from './robust-dpo-loss.js';
export { type SSppoLossOptions, sSppoLoss, sSppoLossOptionsSchema } from './s-sppo-loss.js';
export {
  type SppoConvention,
  type SppoLossOptions,
  sppoConventions,
  sppoLoss,
  sppoLossIds,
  sppoLossOptionsSchema,
} from './sppo-loss.js';
export { type WinRateTargets, type WinRateTargetsOptions, winRateTargets } from './win-rate-targets.js';
