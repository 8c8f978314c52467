import { PrefplayError } from '@prefplay/core';

export type SameLabelAgreement = {
  /** Pairs with the same label and a similarity at or above the threshold. */
  readonly truePositives: number;
  /** Pairs with different labels at or above the threshold. */
  readonly falsePositives: number;
  /** Pairs with the same label below the threshold. */
  readonly falseNegatives: number;
  /** Pairs with different labels below the threshold. */
  readonly trueNegatives: number;
  /** `tp / (tp + fp)`; NaN when no pair is at or above the threshold. */
  readonly precision: number;
  /** `tp / (tp + fn)`; NaN when no pair shares a label. */
  readonly recall: number;
};

/**
 * How well a similarity recognises "same label" (e.g. same meaning) at a threshold: precision and
 * recall over the unordered pairs `i < j` within each group (pairs across groups are not counted).
 */
export function sameLabelAgreement(
  groups: readonly { readonly labels: readonly string[]; readonly similarity: readonly (readonly number[])[] }[],
  options: { readonly threshold: number },
): SameLabelAgreement {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  groups.forEach((group, g) => {
    const n = group.labels.length;
    if (group.similarity.length !== n || group.similarity.some((row) => row.length !== n)) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `the similarity matrix of group ${g} is not ${n}×${n} for its ${n} labels`,
        where: { field: `groups[${g}].similarity` },
        hint: 'Give one row and one column per label',
      });
    }
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const same = group.labels[i] === group.labels[j];
        const predicted = (group.similarity[i]?.[j] as number) >= options.threshold;
        if (same && predicted) tp++;
        else if (same) fn++;
        else if (predicted) fp++;
        else tn++;
      }
    }
  });
  return {
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    trueNegatives: tn,
    precision: tp + fp > 0 ? tp / (tp + fp) : Number.NaN,
    recall: tp + fn > 0 ? tp / (tp + fn) : Number.NaN,
  };
}
