import { definePlugin } from '@prefplay/core';
import { type SimpoLossOptions, simpoLoss } from './simpo-loss.js';

/**
 * The plugin a config file loads with `plugins: [./dist/plugin.js]`: its loss `simpo` can then
 * be named like a built-in one, `loss: { name: simpo, options: { beta: 2 } }`.
 */
export default definePlugin({
  name: 'example-custom-loss',
  losses: {
    // the factory validates its options itself (unknown keys and bad values are located errors)
    simpo: (options) => simpoLoss(options as SimpoLossOptions),
  },
});
