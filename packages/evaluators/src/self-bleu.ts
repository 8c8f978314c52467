import { parseOptions, type TokenIds } from '@prefplay/core';
import { z } from 'zod';
import { assertSequences, countNGrams } from './n-grams.js';

const bleuSchema = z.object({
  /** Highest n-gram order, with uniform weights 1/maxOrder (default 4: BLEU-4). */
  maxOrder: z.number().int().min(1).max(10).optional(),
  /**
   * Zero-count smoothing: `epsilon` (default) replaces a zero precision by ε / count, NLTK's
   * `SmoothingFunction().method1` as used by Texygen's self-BLEU; `add-one` adds 1 to numerator and
   * denominator of orders ≥ 2 (Lin & Och 2004); `none` gives 0 whenever an order has no match.
   */
  smoothing: z.enum(['epsilon', 'add-one', 'none']).optional(),
  /** ε of the `epsilon` smoothing (default 0.1). */
  epsilon: z.number().positive().max(1).optional(),
});

export type BleuOptions = z.input<typeof bleuSchema>;

/**
 * Sentence BLEU of `hypothesis` against `references` (token ids), as NLTK's `sentence_bleu`:
 * clipped n-gram precisions (denominator at least 1), geometric mean with uniform weights,
 * brevity penalty against the closest reference length (ties to the shorter). 0 when no unigram
 * matches.
 */
export function bleu(hypothesis: TokenIds, references: readonly TokenIds[], options: BleuOptions = {}): number {
  const parsed = parseOptions(bleuSchema, options, { what: 'bleu options' });
  return bleuScore(hypothesis, references, parsed.maxOrder ?? 4, parsed.smoothing ?? 'epsilon', parsed.epsilon ?? 0.1);
}

function bleuScore(
  hypothesis: TokenIds,
  references: readonly TokenIds[],
  maxOrder: number,
  smoothing: 'epsilon' | 'add-one' | 'none',
  epsilon: number,
): number {
  const length = hypothesis.length;
  if (length === 0 || references.length === 0) return 0;
  let logSum = 0;
  for (let n = 1; n <= maxOrder; n++) {
    const counts = countNGrams(hypothesis, n);
    const maxReference = new Map<string, number>();
    for (const reference of references) {
      for (const [key, count] of countNGrams(reference, n)) {
        if (counts.has(key) && count > (maxReference.get(key) ?? 0)) maxReference.set(key, count);
      }
    }
    let numerator = 0;
    let denominator = 0;
    for (const [key, count] of counts) {
      numerator += Math.min(count, maxReference.get(key) ?? 0);
      denominator += count;
    }
    denominator = Math.max(1, denominator);
    if (n === 1 && numerator === 0) return 0;
    let precision: number;
    if (smoothing === 'add-one' && n > 1) precision = (numerator + 1) / (denominator + 1);
    else if (numerator === 0) {
      if (smoothing === 'none') return 0;
      precision = epsilon / denominator;
    } else precision = numerator / denominator;
    logSum += Math.log(precision) / maxOrder;
  }
  let closest = references[0]?.length as number;
  for (const reference of references) {
    const distance = Math.abs(reference.length - length);
    const best = Math.abs(closest - length);
    if (distance < best || (distance === best && reference.length < closest)) closest = reference.length;
  }
  const brevity = length > closest ? 1 : Math.exp(1 - closest / length);
  return brevity * Math.exp(logSum);
}

/**
 * Self-BLEU (Zhu et al. 2018, Texygen): the mean over sequences of the BLEU of each one against
 * all the others as references. High means the samples repeat each other. NaN for fewer than two.
 */
export function selfBleu(sequences: readonly TokenIds[], options: BleuOptions = {}): number {
  assertSequences(sequences);
  const parsed = parseOptions(bleuSchema, options, { what: 'selfBleu options' });
  if (sequences.length < 2) return Number.NaN;
  let total = 0;
  for (let i = 0; i < sequences.length; i++) {
    const references = sequences.filter((_, j) => j !== i);
    total += bleuScore(
      sequences[i] as TokenIds,
      references,
      parsed.maxOrder ?? 4,
      parsed.smoothing ?? 'epsilon',
      parsed.epsilon ?? 0.1,
    );
  }
  return total / sequences.length;
}
