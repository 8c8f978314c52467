import { PrefplayError } from '@prefplay/core';

export type StepFraction = {
  /**
   * `⟨reached − start, ideal − start⟩ / ‖ideal − start‖²`: how far along the ideal step the
   * realised step went (1 = all of it, 0 = none, negative = backwards); NaN when the ideal step is 0.
   */
  readonly fraction: number;
  /** Cosine between the realised and the ideal step (NaN when either is 0). */
  readonly cosine: number;
  /** Euclidean length of the ideal step. */
  readonly idealLength: number;
  /** Euclidean length of the realised step. */
  readonly realisedLength: number;
};

/**
 * The fraction of an ideal update that a realised update achieved, by projecting the realised step
 * onto the ideal one. Typically the vectors are distributions over the same outcomes: the policy
 * before an update, after it, and where the exact update would have taken it.
 */
export function stepFraction(input: {
  readonly start: readonly number[];
  readonly reached: readonly number[];
  readonly ideal: readonly number[];
}): StepFraction {
  const { start, reached, ideal } = input;
  for (const [name, vector] of [
    ['reached', reached],
    ['ideal', ideal],
  ] as const) {
    if (vector.length !== start.length) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `${name} has ${vector.length} entries, start has ${start.length}`,
        where: { field: name },
        hint: 'Give the three vectors over the same outcomes, in the same order',
      });
    }
  }
  let dot = 0;
  let idealSquares = 0;
  let realisedSquares = 0;
  for (let i = 0; i < start.length; i++) {
    const s = start[i] as number;
    const r = (reached[i] as number) - s;
    const d = (ideal[i] as number) - s;
    if (!Number.isFinite(r) || !Number.isFinite(d)) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `entry ${i} is not finite`,
        where: { field: `start[${i}]` },
        hint: 'Pass finite numbers',
      });
    }
    dot += r * d;
    idealSquares += d * d;
    realisedSquares += r * r;
  }
  const idealLength = Math.sqrt(idealSquares);
  const realisedLength = Math.sqrt(realisedSquares);
  return {
    fraction: idealSquares > 0 ? dot / idealSquares : Number.NaN,
    cosine: idealLength > 0 && realisedLength > 0 ? dot / (idealLength * realisedLength) : Number.NaN,
    idealLength,
    realisedLength,
  };
}
