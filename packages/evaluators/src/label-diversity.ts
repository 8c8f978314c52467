import { PrefplayError } from '@prefplay/core';

export type LabelDiversity = {
  /** Number of labels (samples). */
  readonly count: number;
  /** Distinct labels among all samples (grows with the sample size). */
  readonly distinct: number;
  /** Plug-in Shannon entropy of the label frequencies, in nats. */
  readonly entropy: number;
  /**
   * Expected number of distinct labels among `subsampleSize` samples drawn without replacement
   * (rarefaction): an unbiased estimate of the expected number of distinct labels among that many
   * independent draws from the sampled distribution, comparable across sample sizes.
   */
  readonly expectedDistinct: number;
  readonly subsampleSize: number;
};

/**
 * Diversity of categorical labels of samples (e.g. the meanings of K responses): distinct labels,
 * entropy, and distinct labels rarefied to `subsampleSize`,
 * `Σ_c [1 − C(n − n_c, k) / C(n, k)]`, whose expectation is `Σ_c [1 − (1 − p_c)^k]`.
 */
export function labelDiversity(labels: readonly string[], options: { readonly subsampleSize: number }): LabelDiversity {
  const n = labels.length;
  const k = options.subsampleSize;
  if (n === 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'labelDiversity needs at least one label',
      where: { field: 'labels' },
    });
  }
  if (!(Number.isInteger(k) && k >= 1 && k <= n)) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `subsampleSize is ${k}; it must be an integer between 1 and the number of labels (${n})`,
      where: { field: 'subsampleSize' },
      hint: 'Rarefy to at most as many samples as there are',
    });
  }
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  let entropy = 0;
  let expectedDistinct = 0;
  for (const c of counts.values()) {
    const p = c / n;
    entropy -= p * Math.log(p);
    // C(n − c, k) / C(n, k) = Π_{i<k} (n − c − i) / (n − i), zero once n − c < k
    let absent = 1;
    for (let i = 0; i < k && absent > 0; i++) absent *= Math.max(0, n - c - i) / (n - i);
    expectedDistinct += 1 - absent;
  }
  return { count: n, distinct: counts.size, entropy, expectedDistinct, subsampleSize: k };
}
