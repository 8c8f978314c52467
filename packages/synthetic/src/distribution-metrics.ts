import type { WinRateSample } from '@prefplay/evaluators';
import type { AnnotatorPopulation } from './annotators.js';
import { claimExploitability } from './claim-exploitability.js';
import type { MeaningHistogram } from './meaning-histogram.js';
import type { SyntheticMeaning } from './parse-response.js';
import { truthMatrix } from './true-preference.js';

/** A distribution over meaning types of responses to one prompt (weights need not sum to 1). */
export type MeaningDistribution = {
  readonly types: readonly SyntheticMeaning[];
  readonly weights: readonly number[];
};

/** The histogram as a distribution. */
export function histogramDistribution(histogram: MeaningHistogram): MeaningDistribution {
  return { types: histogram.types, weights: histogram.counts };
}

/**
 * The true preference between the types of a distribution (rows) and a baseline histogram's types
 * (columns), with the distribution's weights: one model of `twoSampleWinRate`.
 */
export function winRateSample(
  population: AnnotatorPopulation,
  topic: number,
  model: MeaningDistribution,
  baseline: MeaningHistogram,
): WinRateSample {
  const m = truthMatrix(population, topic, [...model.types, ...baseline.types]);
  const rows = model.types.map((_, i) => (m[i] as number[]).slice(model.types.length));
  return { matrix: rows, weights: model.weights };
}

/** Summary numbers of a distribution over types: exact exploitability, fillers, well-formed share. */
export function distributionSummary(
  population: AnnotatorPopulation,
  topic: number,
  distribution: MeaningDistribution,
): { readonly exploitability: number; readonly fillers: number; readonly wellFormed: number } {
  const total = distribution.weights.reduce((a, b) => a + b, 0);
  let fillers = 0;
  let wellFormed = 0;
  distribution.types.forEach((t, i) => {
    const w = (distribution.weights[i] as number) / total;
    fillers += w * t.fillerCount;
    if (t.wellFormed) wellFormed += w;
  });
  return {
    exploitability: claimExploitability(population, topic, distribution.types, distribution.weights).exploitability,
    fillers,
    wellFormed,
  };
}

/** `E_{y~distribution, b~baseline} P_truth(y ≻ b)`: the exact win rate of a distribution against a baseline sample. */
export function expectedWinRate(
  population: AnnotatorPopulation,
  topic: number,
  distribution: MeaningDistribution,
  baseline: MeaningHistogram,
): number {
  const sample = winRateSample(population, topic, distribution, baseline);
  const total = distribution.weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  sample.matrix.forEach((row, i) => {
    let r = 0;
    row.forEach((p, b) => {
      r += p * (baseline.counts[b] as number);
    });
    sum += ((distribution.weights[i] as number) * r) / baseline.total;
  });
  return sum / total;
}
