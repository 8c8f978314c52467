import { type EvaluationContextV1, PrefplayError } from '@prefplay/core';

/** Throws an abort error when the context's signal has fired. */
export function throwIfAborted(context: EvaluationContextV1, evaluatorId: string): void {
  if (context.signal?.aborted) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `evaluation by ${evaluatorId} was aborted`,
      cause: context.signal.reason,
    });
  }
}

/** Throws a located error unless there is one row of samples per prompt. */
export function assertSamplesPerPrompt(
  context: EvaluationContextV1,
  field: 'samples' | 'baselineSamples',
  evaluatorId: string,
): void {
  const rows = context[field];
  if (rows === undefined) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `${evaluatorId} needs ${field} in the evaluation context`,
      where: { field },
      hint:
        field === 'baselineSamples' ? 'Give the trainer a baseline policy to sample from' : 'Sample the policy first',
    });
  }
  if (rows.length !== context.prompts.length) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `${field} has ${rows.length} rows for ${context.prompts.length} prompts`,
      where: { field },
      hint: 'Give one row of samples per prompt',
    });
  }
}
