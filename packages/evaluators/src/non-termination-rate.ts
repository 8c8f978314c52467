import { type FinishReason, PrefplayError } from '@prefplay/core';

/** Share of samples that hit the length limit (`finishReason === 'length'`); 0 for none. */
export function nonTerminationRate(samples: readonly { readonly finishReason: FinishReason }[]): number {
  if (!Array.isArray(samples)) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'expected an array of samples',
      where: { field: 'samples' },
    });
  }
  if (samples.length === 0) return 0;
  let stopped = 0;
  for (const sample of samples) if (sample.finishReason === 'length') stopped++;
  return stopped / samples.length;
}
