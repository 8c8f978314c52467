import type { TokenIds } from '@prefplay/core';
import { PrefplayError } from '@prefplay/core';

/** Counts of the n-grams of one sequence, keyed by their comma-joined token ids. */
export function countNGrams(tokens: TokenIds, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let start = 0; start + n <= tokens.length; start++) {
    const key = tokens.slice(start, start + n).join(',');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Throws a located error unless `n` is a positive integer. */
export function assertOrder(n: number, field = 'n'): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `n-gram order is ${n}`,
      where: { field },
      hint: 'Use a positive integer such as 1, 2 or 4',
    });
  }
}

/** Throws a located error unless `sequences` is an array of arrays of integers. */
export function assertSequences(sequences: readonly TokenIds[], field = 'sequences'): void {
  if (!Array.isArray(sequences)) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'expected an array of token sequences',
      where: { field },
    });
  }
  sequences.forEach((tokens, i) => {
    if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t))) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: 'a token sequence must be an array of integer ids',
        where: { field: `${field}[${i}]` },
      });
    }
  });
}
