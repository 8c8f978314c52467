import { createLossRegistry, defaultLossRegistry } from '@prefplay/losses';
import { simpoLoss } from './simpo-loss.js';

/** Every built-in loss plus `simpo`; `lossRegistry.create('simpo', { beta: 2.5 })` is type-checked. */
export const lossRegistry = createLossRegistry({ ...defaultLossRegistry.factories, simpo: simpoLoss });
