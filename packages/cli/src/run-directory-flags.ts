import { PrefplayError } from '@prefplay/core';
import type { RunDirectoryMode } from '@prefplay/trainers/node';

/** `--resume` and `--overwrite` of the commands that write a run directory. */
export const runDirectoryOptions = {
  resume: { type: 'boolean', default: false },
  overwrite: { type: 'boolean', default: false },
} as const;

/** The run-directory mode the flags ask for; both at once is an error. */
export function runDirectoryMode(values: {
  readonly resume?: boolean;
  readonly overwrite?: boolean;
}): RunDirectoryMode {
  if (values.resume === true && values.overwrite === true) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: '--resume and --overwrite cannot be used together',
      hint: 'Pass --resume to continue a run, or --overwrite to replace it',
    });
  }
  return values.resume === true ? 'resume' : values.overwrite === true ? 'overwrite' : 'create';
}
