import type { PreferenceMatrix, PreferenceOracleV1, PromptV1, ResponseV1 } from '@prefplay/core';
import { PrefplayError } from '@prefplay/core';
import { assertConstantSum } from './constant-sum.js';

export type TabularOracleOptions = {
  readonly oracleId?: string;
  /** Which row/column of the table a response is; default: its first token (tabular setting). */
  readonly candidateOf?: (response: ResponseV1) => number;
};

const firstToken = (response: ResponseV1): number => response.tokens[0] as number;

/**
 * An oracle over an explicit N×N constant-sum table of candidates (or one table per prompt). In
 * the tabular setting a response's tokens are `[candidateIndex]`; the K×K matrix returned is the
 * table restricted to the K responses. Tables are validated (constant-sum) when given.
 */
export function tabularOracle(
  table: readonly (readonly number[])[] | ((prompt: PromptV1) => readonly (readonly number[])[]),
  options: TabularOracleOptions = {},
): PreferenceOracleV1 {
  const oracleId = options.oracleId ?? 'tabular-oracle';
  const candidateOf = options.candidateOf ?? firstToken;
  const fixed = typeof table === 'function' ? undefined : table.map((row) => row.slice());
  if (fixed) assertConstantSum(fixed, `tabularOracle "${oracleId}" table`);
  return {
    specificationVersion: 'v1',
    oracleId,
    async doCompare({ prompt, responses }): Promise<PreferenceMatrix> {
      let matrix = fixed;
      if (!matrix) {
        matrix = (table as (prompt: PromptV1) => readonly (readonly number[])[])(prompt).map((row) => row.slice());
        assertConstantSum(matrix, `tabularOracle "${oracleId}" table for prompt "${prompt.id}"`);
      }
      const n = matrix.length;
      const index = responses.map((response, r) => {
        const c = candidateOf(response);
        if (!Number.isInteger(c) || c < 0 || c >= n) {
          throw new PrefplayError({
            code: 'invalid-input',
            problem: `tabularOracle "${oracleId}": response ${r} is candidate ${c}, outside the ${n}×${n} table`,
            where: { field: `responses[${r}].tokens` },
            hint: 'In the tabular setting a response is [candidateIndex]; pass candidateOf to map responses otherwise',
          });
        }
        return c;
      });
      return index.map((a) => index.map((b) => (a === b ? 0.5 : ((matrix[a] as number[])[b] as number))));
    },
  };
}
