import {
  type ComponentContextV1,
  type ComponentRegistries,
  createComponentRegistry,
  emptyComponentRegistries,
  PrefplayError,
} from '@prefplay/core';
import { policyHiddenEncoder, tfidfEncoder } from '@prefplay/preference';
import type { SyntheticTask } from '@prefplay/synthetic';

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
 * (character n-grams; options of `tfidfEncoder`) and `policy-hidden` (the policy's pooled hidden
 * states).
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
