import { describe, expect, it } from 'vitest';
import { histogramOf, padded } from './__fixtures__/histogram-of.js';
import { claimsOfTopic } from './claim-exploitability.js';
import { createSyntheticTask } from './create-synthetic-task.js';
import { idealDynamics } from './ideal-dynamics.js';
import type { MeaningHistogram } from './meaning-histogram.js';
import type { SyntheticMeaning } from './parse-response.js';
import { stepFractions } from './step-fractions.js';

describe('stepFractions', () => {
  const task = createSyntheticTask({ seed: 2, overconfidence: 4 });
  const topics = task.evalPrompts.map((p) => task.topicOf(p));
  const base = topics.map((topic) => {
    const claims = claimsOfTopic(topic);
    return histogramOf(
      [claims[0], claims[4], padded(claims[0] as SyntheticMeaning, 2)] as SyntheticMeaning[],
      [60, 20, 20],
    );
  });
  const exactStep = (from: readonly MeaningHistogram[], gate?: { apply: (s: number) => number }) =>
    from.map((h, p) => {
      const run = idealDynamics({
        population: task.population,
        topic: topics[p] as number,
        types: h.types,
        start: h.counts.map((c) => c / h.total),
        overconfidence: 4,
        eta: 3,
        iterations: 1,
        ...(gate ? { gate } : {}),
      });
      return histogramOf(h.types, run.distributions[1] as number[]);
    });

  it('measures 1 for the exact update, 0 for none and 1/2 for half of it', () => {
    const exact = exactStep(base);
    const halfway = exact.map((h, p) =>
      histogramOf(
        h.types,
        h.counts.map(
          (c, i) => (c / h.total + (base[p]?.counts[i] as number) / (base[p] as MeaningHistogram).total) / 2,
        ),
      ),
    );
    const fractions = stepFractions({ task, baseHistograms: base, histograms: [base, exact, exact, halfway], eta: 3 });
    expect(fractions[1]?.fraction).toBeCloseTo(1, 12);
    // from the exact distribution, staying put realises none of the next exact step
    expect(fractions[2]?.fraction).toBeCloseTo(0, 12);
    expect(fractions[1]?.idealLength).toBeGreaterThan(0.01);
    expect(Number.isFinite(fractions[3]?.fraction)).toBe(true);
    // halfway from the base to its exact step, measured against the base
    const half = stepFractions({ task, baseHistograms: base, histograms: [base, halfway], eta: 3 });
    expect(half[1]?.fraction).toBeCloseTo(0.5, 12);
  });

  it('measures against the gated step with a gate, and skips iterations it has no histograms for', () => {
    const gated = exactStep(base, { apply: (s) => (s <= 0.7 ? 1 : s >= 0.95 ? 0 : (0.95 - s) / 0.25) });
    const fractions = stepFractions({
      task,
      baseHistograms: base,
      histograms: [undefined, gated, undefined, gated],
      eta: 3,
      gate: { low: 0.7, high: 0.95 },
    });
    expect(fractions[1]?.fraction).toBeCloseTo(1, 12);
    expect(Object.keys(fractions)).toEqual(['1']);
    // the ungated step goes elsewhere (toward the padded paraphrase): the gated one is not all of it
    const ungated = stepFractions({ task, baseHistograms: base, histograms: [base, gated], eta: 3 });
    expect(Math.abs((ungated[1]?.fraction as number) - 1)).toBeGreaterThan(0.01);
  });
});
