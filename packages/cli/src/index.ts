export { main } from './cli.js';
export { type CliIo, type Command, exitCodes } from './command.js';
export { type CommandName, commands } from './commands/index.js';
export { reproduceConfig } from './commands/reproduce.js';
export {
  type ExperimentConfig,
  experimentConfigSchema,
  type ResolvedExperimentConfig,
} from './experiment-config.js';
