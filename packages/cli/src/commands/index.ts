import type { Command } from '../command.js';
import { generateCommand } from './generate.js';
import { leaderboardCommand } from './leaderboard.js';
import { nashCommand } from './nash.js';
import { reportCommand } from './report.js';
import { reproduceCommand } from './reproduce.js';
import { scoreCommand } from './score.js';
import { targetsCommand } from './targets.js';
import { trainCommand } from './train.js';

/** Every sub-command, keyed by its name. */
export const commands = {
  reproduce: reproduceCommand,
  train: trainCommand,
  report: reportCommand,
  targets: targetsCommand,
  leaderboard: leaderboardCommand,
  nash: nashCommand,
  score: scoreCommand,
  generate: generateCommand,
} as const satisfies Record<string, Command>;

export type CommandName = keyof typeof commands;
