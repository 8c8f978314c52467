import { PrefplayError } from '@prefplay/core';

function check(name: string, matrix: readonly (readonly number[])[], k: number): void {
  if (!Array.isArray(matrix) || matrix.length !== k || matrix.some((row) => !Array.isArray(row) || row.length !== k)) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `symmetrize: ${name} must be a ${k}×${k} matrix`,
      where: { field: name },
    });
  }
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i === j) continue;
      const v = (matrix[i] as readonly number[])[j] as number;
      if (!(v >= 0 && v <= 1)) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `symmetrize: ${name}[${i}][${j}] = ${v} is not a probability in [0, 1]`,
          where: { field: `${name}[${i}][${j}]` },
        });
      }
    }
  }
}

/**
 * Removes a judge's position bias. Both arguments are "first shown wins" matrices indexed
 * `[first][second]`: `forward[i][j] = P(y_i ≻ y_j | y_i shown first)` and
 * `backward[j][i] = P(y_j ≻ y_i | y_j shown first)`. For `i < j`:
 * `M_ij = (forward[i][j] + 1 − backward[j][i]) / 2`, `M_ji = 1 − M_ij`, `M_ii = 1/2`, so the result
 * is exactly constant-sum. Only `forward`'s upper and `backward`'s lower triangle are read; one
 * matrix holding both orders can be passed alone (`backward` defaults to `forward`).
 */
export function symmetrize(
  forward: readonly (readonly number[])[],
  backward: readonly (readonly number[])[] = forward,
): number[][] {
  const k = Array.isArray(forward) ? forward.length : 0;
  check('forward', forward, k);
  check('backward', backward, k);
  const out = Array.from({ length: k }, () => new Array<number>(k).fill(0.5));
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const m =
        ((forward[i] as readonly number[])[j] as number) + 1 - ((backward[j] as readonly number[])[i] as number);
      (out[i] as number[])[j] = m / 2;
      (out[j] as number[])[i] = 1 - m / 2;
    }
  }
  return out;
}
