import { twoSampleWinRateDifference } from '@prefplay/evaluators';
import type { SyntheticTask } from './create-synthetic-task.js';
import { histogramDistribution, winRateSample } from './distribution-metrics.js';
import type { MeaningHistogram } from './meaning-histogram.js';

/**
 * The paired difference of two runs' true win rates against the same base sample, mean over the
 * held-out prompts, with the standard error of the difference (two independent samples, one shared
 * base sample: `twoSampleWinRateDifference` of `@prefplay/evaluators`). How the reproduction
 * compares two methods (or one method under two oracles) on one seed.
 */
export function pairedWinRateDifference(input: {
  readonly task: SyntheticTask;
  /** The shared base sample's histograms, one per held-out prompt. */
  readonly baseHistograms: readonly MeaningHistogram[];
  /** The first run's histograms, one per prompt (e.g. of its final iteration). */
  readonly first: readonly MeaningHistogram[];
  /** The second run's histograms, one per prompt. */
  readonly second: readonly MeaningHistogram[];
}): { readonly difference: number; readonly standardError: number } {
  const { task } = input;
  const result = twoSampleWinRateDifference(
    input.baseHistograms.map((h, p) => {
      const topic = task.topicOf(task.evalPrompts[p] as never);
      return {
        baselineWeights: h.counts,
        first: winRateSample(task.population, topic, histogramDistribution(input.first[p] as MeaningHistogram), h),
        second: winRateSample(task.population, topic, histogramDistribution(input.second[p] as MeaningHistogram), h),
      };
    }),
  );
  return { difference: result.mean, standardError: result.standardError };
}
