import { type StepFraction, stepFraction } from '@prefplay/evaluators';
import { linearRampGate } from '@prefplay/preference';
import type { SyntheticTask } from './create-synthetic-task.js';
import { idealDynamics } from './ideal-dynamics.js';
import { alignDistributions, histogramProbabilities, type MeaningHistogram } from './meaning-histogram.js';

/**
 * The fraction of the exact step each learned iteration realised, over meaning types: at iteration
 * t the measured distribution moved from `q_{t−1}` (the base sample for t = 1) to `q_t`; the exact
 * update (`idealDynamics` at the task's κ, with the gate for S-SPPO) would have moved it to
 * `MW(q_{t−1})`; the fraction is the projection of the first step on the second, pooled over
 * prompts (`stepFraction` of `@prefplay/evaluators` on the concatenated vectors). Iterations whose
 * histograms are missing are left out.
 */
export function stepFractions(input: {
  readonly task: SyntheticTask;
  /** The base sample's histograms, one per held-out prompt. */
  readonly baseHistograms: readonly MeaningHistogram[];
  /** The run's evaluation histograms, `[iteration][prompt]` (iteration 0 is not used). */
  readonly histograms: readonly (readonly MeaningHistogram[] | undefined)[];
  readonly eta: number;
  readonly gate?: { readonly low: number; readonly high: number };
}): Record<number, StepFraction> {
  const { task } = input;
  const gate = input.gate ? linearRampGate(input.gate) : undefined;
  const out: Record<number, StepFraction> = {};
  for (let t = 1; t < input.histograms.length; t++) {
    const after = input.histograms[t];
    const before = t === 1 ? input.baseHistograms : input.histograms[t - 1];
    if (after === undefined || before === undefined) continue;
    const start: number[] = [];
    const reached: number[] = [];
    const ideal: number[] = [];
    before.forEach((h, p) => {
      const topic = task.topicOf(task.evalPrompts[p] as never);
      const probabilities = histogramProbabilities(h);
      const step = idealDynamics({
        population: task.population,
        topic,
        types: h.types,
        start: probabilities,
        overconfidence: task.options.overconfidence,
        eta: input.eta,
        iterations: 1,
        ...(gate ? { gate } : {}),
      });
      const next = after[p] as MeaningHistogram;
      const aligned = alignDistributions([
        { labels: h.labels, probabilities },
        { labels: next.labels, probabilities: histogramProbabilities(next) },
        { labels: h.labels, probabilities: step.distributions[1] as number[] },
      ]);
      start.push(...(aligned.vectors[0] as number[]));
      reached.push(...(aligned.vectors[1] as number[]));
      ideal.push(...(aligned.vectors[2] as number[]));
    });
    out[t] = stepFraction({ start, reached, ideal });
  }
  return out;
}
