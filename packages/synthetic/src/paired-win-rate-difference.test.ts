import { twoSampleWinRate } from '@prefplay/evaluators';
import { describe, expect, it } from 'vitest';
import { histogramOf, malformedMeaning, padded } from './__fixtures__/histogram-of.js';
import { claimsOfTopic } from './claim-exploitability.js';
import { createSyntheticTask } from './create-synthetic-task.js';
import { expectedWinRate, histogramDistribution, winRateSample } from './distribution-metrics.js';
import { pairedWinRateDifference } from './paired-win-rate-difference.js';
import type { SyntheticMeaning } from './parse-response.js';

describe('pairedWinRateDifference', () => {
  const task = createSyntheticTask({ seed: 5 });
  const topics = task.evalPrompts.map((p) => task.topicOf(p));
  const claims = topics.map((t) => claimsOfTopic(t) as SyntheticMeaning[]);
  const base = claims.map((c) => histogramOf([c[0], c[1], c[5]] as SyntheticMeaning[], [50, 30, 20]));
  const first = claims.map((c) =>
    histogramOf([c[2], c[3], padded(c[0] as SyntheticMeaning, 1)] as SyntheticMeaning[], [40, 35, 25]),
  );
  const second = claims.map((c) => histogramOf([c[4], c[6], c[7]] as SyntheticMeaning[], [10, 60, 30]));
  const mean = (f: (p: number) => number) => topics.reduce((s, _, p) => s + f(p), 0) / topics.length;

  it('is the difference of the exact win rates against the base sample, and antisymmetric', () => {
    const result = pairedWinRateDifference({ task, baseHistograms: base, first, second });
    const direct = mean(
      (p) =>
        expectedWinRate(
          task.population,
          topics[p] as number,
          histogramDistribution(first[p] as never),
          base[p] as never,
        ) -
        expectedWinRate(
          task.population,
          topics[p] as number,
          histogramDistribution(second[p] as never),
          base[p] as never,
        ),
    );
    expect(result.difference).toBeCloseTo(direct, 14);
    const swapped = pairedWinRateDifference({ task, baseHistograms: base, first: second, second: first });
    expect(swapped.difference).toBeCloseTo(-direct, 14);
    expect(swapped.standardError).toBeCloseTo(result.standardError, 14);
    expect(result.standardError).toBeGreaterThan(0);
  });

  it('against a run that loses every comparison has the standard error of the first run’s win rate alone', () => {
    // an all-malformed run loses with certainty to every base response: no noise of its own and no
    // share in the base sample's noise, so the difference is the first run's win rate, SE included
    const broken = topics.map(() => histogramOf([malformedMeaning], [100]));
    const result = pairedWinRateDifference({ task, baseHistograms: base, first, second: broken });
    const alone = twoSampleWinRate(
      base.map((h, p) => ({
        baselineWeights: h.counts,
        model: winRateSample(task.population, topics[p] as number, histogramDistribution(first[p] as never), h),
      })),
    );
    expect(result.difference).toBeCloseTo(alone.mean, 14);
    expect(result.standardError).toBeCloseTo(alone.standardError, 14);
  });
});
