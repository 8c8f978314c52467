import { join } from 'node:path';
import { PrefplayError } from '@prefplay/core';
import { openRunDirectory, type RunDirectory, type RunDirectoryMode } from '@prefplay/trainers/node';

/**
 * Opens the root directory of an experiment in `mode`, refuses to resume a run that was started
 * with another config, and writes the config.
 */
export async function openExperimentRoot(out: string, config: unknown, mode: RunDirectoryMode): Promise<RunDirectory> {
  const root = await openRunDirectory(out, { mode });
  if (mode === 'resume') {
    const previous = await root.readConfig();
    if (previous !== undefined && JSON.stringify(previous) !== JSON.stringify(config)) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: `the run in ${out} was started with a different config`,
        where: { file: join(out, 'config.json') },
        hint: 'Resume with the same config and flags, or use --overwrite or another --out',
      });
    }
  }
  await root.writeConfig(config);
  return root;
}
