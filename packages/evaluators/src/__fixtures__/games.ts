import { createRng } from '@prefplay/core';

/** Rock-paper-scissors as a preference matrix (order rock, paper, scissors). */
export const rockPaperScissors: number[][] = [
  [0.5, 0, 1],
  [1, 0.5, 0],
  [0, 1, 0.5],
];

/** A random constant-sum preference matrix with uniform upper-triangle entries. */
export function randomPreferenceMatrix(n: number, seed: number): number[][] {
  const rng = createRng(seed);
  const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0.5));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const value = rng.next();
      (matrix[i] as number[])[j] = value;
      (matrix[j] as number[])[i] = 1 - value;
    }
  }
  return matrix;
}
