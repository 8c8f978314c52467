import { PrefplayError } from '@prefplay/core';
import { linearRampGate } from '@prefplay/preference';
import type { SyntheticTask } from './create-synthetic-task.js';
import { distributionSummary, expectedWinRate } from './distribution-metrics.js';
import { idealDynamics } from './ideal-dynamics.js';
import { histogramProbabilities, type MeaningHistogram } from './meaning-histogram.js';

/** An exact dynamics to compute from a base distribution: exact SPPO, or with a gate exact S-SPPO. */
export type IdealSpec = {
  readonly name: string;
  /** Step size of the multiplicative-weights update (the η the learned targets aim at). */
  readonly eta: number;
  /** S-SPPO's linear-ramp gate (`linearRampGate`) on the task encoder's similarity; absent for SPPO. */
  readonly gate?: { readonly low: number; readonly high: number };
};

/** One iteration of an exact dynamics, averaged over prompts. */
export type IdealCurveRow = { readonly iteration: number; readonly [metric: string]: number };

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Expected number of distinct meanings among `k` draws from a distribution over meaning types,
 * `Σ_meanings 1 − (1 − p)^k`. The power is a product of `k` factors, not `Math.pow`: JavaScript
 * engines round `Math.pow` differently (Node 20's V8 and Chromium 150's differ in the last bit),
 * a product of doubles they all round alike, so a page and Node give the same number.
 */
export function expectedDistinctMeanings(
  types: readonly { readonly key: string }[],
  probabilities: readonly number[],
  k: number,
): number {
  if (!Number.isInteger(k) || k < 1) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `the number of draws must be a whole number of at least 1, got ${k}`,
      where: { field: 'diversitySubsample' },
      hint: 'Count distinct meanings among K samples, e.g. the K of training',
    });
  }
  const byKey = new Map<string, number>();
  types.forEach((t, i) => {
    byKey.set(t.key, (byKey.get(t.key) ?? 0) + (probabilities[i] as number));
  });
  let total = 0;
  for (const p of byKey.values()) {
    let missed = 1;
    for (let draw = 0; draw < k; draw++) missed *= 1 - p;
    total += 1 - missed;
  }
  return total;
}

/**
 * Exact SPPO / S-SPPO from the measured base distribution of each held-out prompt (`idealDynamics`
 * on the task's training oracle at its κ), with the η the learned update aims at: per iteration
 * (0 = the base distribution), the mean over prompts of the true win rate against the base sample
 * (`winRateVsBase`), the exact exploitability, fillers, well-formed share and the expected number
 * of distinct meanings among `diversitySubsample` draws (`distinctMeanings`). The metrics have
 * the names of `createMeaningEvaluator`'s, so the curves can be drawn beside the learned ones.
 */
export function idealCurves(input: {
  readonly task: SyntheticTask;
  /** The base sample's histograms, one per held-out prompt (`task.evalPrompts`). */
  readonly baseHistograms: readonly MeaningHistogram[];
  readonly specs: readonly IdealSpec[];
  readonly iterations: number;
  readonly diversitySubsample: number;
}): Record<string, IdealCurveRow[]> {
  const { task, baseHistograms } = input;
  const out: Record<string, IdealCurveRow[]> = {};
  for (const spec of input.specs) {
    const perPrompt = baseHistograms.map((h, p) => {
      const topic = task.topicOf(task.evalPrompts[p] as never);
      const run = idealDynamics({
        population: task.population,
        topic,
        types: h.types,
        start: histogramProbabilities(h),
        overconfidence: task.options.overconfidence,
        eta: spec.eta,
        iterations: input.iterations,
        ...(spec.gate ? { gate: linearRampGate(spec.gate) } : {}),
      });
      return run.distributions.map((probabilities) => {
        const distribution = { types: h.types, weights: probabilities };
        const summary = distributionSummary(task.population, topic, distribution);
        return {
          winRateVsBase: expectedWinRate(task.population, topic, distribution, h),
          exploitability: summary.exploitability,
          fillers: summary.fillers,
          wellFormed: summary.wellFormed,
          distinctMeanings: expectedDistinctMeanings(h.types, probabilities, input.diversitySubsample),
        };
      });
    });
    out[spec.name] = Array.from({ length: input.iterations + 1 }, (_, t) => {
      const rows = perPrompt.map((p) => p[t] as Record<string, number>);
      const keys = Object.keys(rows[0] ?? {});
      return { iteration: t, ...Object.fromEntries(keys.map((k) => [k, mean(rows.map((r) => r[k] as number))])) };
    });
  }
  return out;
}
