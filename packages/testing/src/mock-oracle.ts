import type { PreferenceMatrix, PreferenceOracleV1, ResponseV1 } from '@prefplay/core';

/**
 * A Bradley-Terry oracle over a score of each response: `P(i ≻ j) = σ((s_i − s_j)/temperature)`.
 * Defaults to scoring a response by its length, a transitive and easily predicted preference.
 */
export function mockOracle(
  options: {
    readonly score?: (response: ResponseV1) => number;
    readonly temperature?: number;
    readonly oracleId?: string;
  } = {},
): PreferenceOracleV1 & { calls: number } {
  const score = options.score ?? ((r: ResponseV1) => r.tokens.length);
  const temperature = options.temperature ?? 1;
  const oracle = {
    specificationVersion: 'v1' as const,
    oracleId: options.oracleId ?? 'mock-oracle',
    calls: 0,
    async doCompare({ responses }: { responses: readonly ResponseV1[] }): Promise<PreferenceMatrix> {
      oracle.calls++;
      const s = responses.map(score);
      return s.map((si, i) => s.map((sj, j) => (i === j ? 0.5 : 1 / (1 + Math.exp(-(si - sj) / temperature)))));
    },
  };
  return oracle;
}

/** An oracle that answers every prompt with the same K×K matrix (e.g. rock-paper-scissors). */
export function matrixOracle(matrix: PreferenceMatrix, oracleId = 'matrix-oracle'): PreferenceOracleV1 {
  return {
    specificationVersion: 'v1',
    oracleId,
    async doCompare({ responses }) {
      if (responses.length !== matrix.length) {
        throw new Error(
          `matrix oracle: got ${responses.length} responses for a ${matrix.length}×${matrix.length} matrix`,
        );
      }
      return matrix.map((row) => row.slice());
    },
  };
}
