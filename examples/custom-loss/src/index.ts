export { lossRegistry } from './loss-registry.js';
export { type SimpoLossOptions, simpoLoss, simpoLossOptionsSchema } from './simpo-loss.js';
