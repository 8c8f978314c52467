export {
  assertSameLength,
  type PairLogps,
  pairLogpsFields,
  readBatchField,
  readPairLogps,
  readResponsesPerPrompt,
} from './batch-fields.js';
export { addLossTerms, type WeightedLoss } from './compose-losses.js';
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
export { withTotal } from './loss-result.js';
export { pairwiseRewardMetrics } from './pairwise-metrics.js';
export {
  type LatentRepulsionOptions,
  latentRepulsionOptionsSchema,
  type RepulsionForm,
  type RepulsionLossOptions,
  repulsionForms,
  repulsionLoss,
  repulsionLossOptionsSchema,
  repulsionLossTerm,
} from './repulsion-loss.js';
export { type RobustDpoLossOptions, robustDpoLoss, robustDpoLossOptionsSchema } from './robust-dpo-loss.js';
export { type SSppoLossOptions, sSppoLoss, sSppoLossOptionsSchema } from './s-sppo-loss.js';
export {
  type LossTerm,
  resolveSppoLossOptions,
  type SppoConvention,
  type SppoLossOptions,
  sppoConventions,
  sppoLoss,
  sppoLossIds,
  sppoLossOptionsSchema,
  sppoLossTerm,
} from './sppo-loss.js';
