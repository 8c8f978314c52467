import type { SyntheticMeaning } from './parse-response.js';

/**
 * Counts of the distinct meaning types among responses to one prompt. A type is what the truth, the
 * training oracle and the task's encoder can tell apart: the meaning key (a claim or `malformed`)
 * and the number of filler tokens. `types[i]` is a representative meaning of `labels[i]`.
 */
export type MeaningHistogram = {
  readonly labels: readonly string[];
  readonly types: readonly SyntheticMeaning[];
  readonly counts: readonly number[];
  readonly total: number;
};

/** The label of a meaning type: `<key>+<fillerCount>`, e.g. `t0.q1.c2+0` or `malformed+3`. */
export function meaningLabel(meaning: SyntheticMeaning): string {
  return `${meaning.key}+${meaning.fillerCount}`;
}

/** The histogram of meaning types of parsed responses, types in label order. */
export function meaningHistogram(meanings: readonly SyntheticMeaning[]): MeaningHistogram {
  const byLabel = new Map<string, { type: SyntheticMeaning; count: number }>();
  for (const meaning of meanings) {
    const label = meaningLabel(meaning);
    const entry = byLabel.get(label);
    if (entry) entry.count++;
    else byLabel.set(label, { type: meaning, count: 1 });
  }
  const labels = [...byLabel.keys()].sort();
  return {
    labels,
    types: labels.map((l) => byLabel.get(l)?.type as SyntheticMeaning),
    counts: labels.map((l) => byLabel.get(l)?.count as number),
    total: meanings.length,
  };
}

/**
 * Two distributions over the union of their types, as aligned probability vectors (for comparing
 * a policy before and after an update, or against where an exact update would take it).
 */
export function alignDistributions(
  distributions: readonly { readonly labels: readonly string[]; readonly probabilities: readonly number[] }[],
): { readonly labels: string[]; readonly vectors: number[][] } {
  const labels = [...new Set(distributions.flatMap((d) => d.labels))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const vectors = distributions.map((d) => {
    const v = new Array<number>(labels.length).fill(0);
    d.labels.forEach((l, i) => {
      const at = index.get(l) as number;
      v[at] = (v[at] as number) + (d.probabilities[i] as number);
    });
    return v;
  });
  return { labels, vectors };
}

/** The probabilities of a histogram (counts / total). */
export function histogramProbabilities(histogram: MeaningHistogram): number[] {
  return histogram.counts.map((c) => c / histogram.total);
}
