import { type ComponentContextV1, PrefplayError } from '@prefplay/core';
import type { SyntheticTask } from '@prefplay/synthetic';

/**
 * The synthetic task of the run (`context.task`), for the models that answer from it; an error
 * naming `model.provider` when the run has none.
 */
export function taskOf(context: ComponentContextV1): SyntheticTask {
  const task = context.task as Partial<SyntheticTask> | undefined;
  if (
    typeof task !== 'object' ||
    task === null ||
    typeof task.tokenizer?.tokenToId !== 'function' ||
    !Array.isArray(task.trainPrompts) ||
    task.trainingOracle === undefined ||
    task.encoder === undefined
  ) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `the "task-mock" models answer from the synthetic task, and this run has none`,
      where: { field: 'model.provider', fieldPath: ['model', 'provider'] },
      hint: 'Use it from prefplay train (whose runs are on the synthetic task), or name a real provider such as "openai"',
    });
  }
  return task as SyntheticTask;
}
