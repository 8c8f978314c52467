import {
  type ComponentContextV1,
  type ComponentRegistries,
  createComponentRegistry,
  emptyComponentRegistries,
  PrefplayError,
} from '@prefplay/core';
import { policyHiddenEncoder, tfidfEncoder } from '@prefplay/preference';
import { createNoisyMeaningEncoder, type SyntheticTask, trainContrastiveEncoder } from '@prefplay/synthetic';

function taskOf(context: ComponentContextV1): SyntheticTask {
  if (context.task === undefined) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `${context.where} needs the synthetic task, and this run has none`,
      hint: 'Name an oracle or encoder that does not depend on the embedded task',
    });
  }
  return context.task as SyntheticTask;
}

function noOptions(options: unknown, context: ComponentContextV1): void {
  if (options !== undefined && Object.keys(options as object).length > 0) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `${context.where} takes no options`,
      where: { fieldPath: [] },
      hint: 'Remove "options"',
    });
  }
}

/**
 * The components an experiment on the synthetic task can name without plugins: oracles `task`
 * (the overconfident training oracle) and `truth`; encoders `task` (exact meanings), `tfidf`
 * (character n-grams; options of `tfidfEncoder`), `policy-hidden` (the policy's pooled hidden
 * states), `noisy` (the task's encoder misreading a share `errorRate` of responses; options
 * `{ errorRate, seed }`, the seed added to the task's) and `contrastive` (trained on the SFT
 * corpus's paraphrases; options of `trainContrastiveEncoder`, seeded by the task; it has a
 * `dispose`).
 */
export function experimentComponents(): ComponentRegistries {
  const base = emptyComponentRegistries();
  return {
    ...base,
    oracle: createComponentRegistry('oracle', {
      task: (options, context) => {
        noOptions(options, context);
        return taskOf(context).trainingOracle;
      },
      truth: (options, context) => {
        noOptions(options, context);
        return taskOf(context).truePreference;
      },
    }),
    encoder: createComponentRegistry('encoder', {
      task: (options, context) => {
        noOptions(options, context);
        return taskOf(context).encoder;
      },
      tfidf: (options, context) => {
        const task = taskOf(context);
        return tfidfEncoder({
          n: 3,
          ...(options as Record<string, unknown> | undefined),
          textOf: (r) => task.responseText(r.tokens),
        });
      },
      noisy: (options, context) => {
        const task = taskOf(context);
        const given = (options ?? {}) as Record<string, unknown>;
        const seed =
          typeof given.seed === 'number' ? given.seed + task.options.seed : (given.seed ?? task.options.seed);
        return createNoisyMeaningEncoder({ ...given, task, seed } as never);
      },
      contrastive: (options, context) => {
        const task = taskOf(context);
        return trainContrastiveEncoder(task, { seed: task.options.seed, ...(options as Record<string, unknown>) });
      },
      'policy-hidden': (options, context) => {
        noOptions(options, context);
        if (context.policy === undefined) {
          throw new PrefplayError({ code: 'invalid-config', problem: `${context.where} needs the policy` });
        }
        return policyHiddenEncoder(context.policy);
      },
    }),
  };
}
