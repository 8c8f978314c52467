export { main } from './cli.js';
export { type CliIo, type Command, exitCodes } from './command.js';
export { type CommandName, commands } from './commands/index.js';
