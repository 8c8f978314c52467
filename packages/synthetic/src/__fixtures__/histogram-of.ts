import { type MeaningHistogram, meaningLabel } from '../meaning-histogram.js';
import type { SyntheticMeaning } from '../parse-response.js';

/** A histogram with the given (possibly fractional) mass on each type, for tests. */
export function histogramOf(types: readonly SyntheticMeaning[], counts: readonly number[]): MeaningHistogram {
  const order = types.map((t, i) => ({ label: meaningLabel(t), type: t, count: counts[i] as number }));
  order.sort((a, b) => (a.label < b.label ? -1 : 1));
  return {
    labels: order.map((o) => o.label),
    types: order.map((o) => o.type),
    counts: order.map((o) => o.count),
    total: counts.reduce((a, b) => a + b, 0),
  };
}

/** A meaning with `fillers` filler tokens. */
export const padded = (m: SyntheticMeaning, fillers: number): SyntheticMeaning => ({ ...m, fillerCount: fillers });

/** A response that is malformed: it loses to every well-formed one. */
export const malformedMeaning: SyntheticMeaning = {
  wellFormed: false,
  terminated: false,
  key: 'malformed',
  fillerCount: 0,
  length: 16,
};
