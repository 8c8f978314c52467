import type { Command } from '../command.js';

/** Every sub-command, keyed by its name. */
export const commands = {} as const satisfies Record<string, Command>;

export type CommandName = keyof typeof commands;
