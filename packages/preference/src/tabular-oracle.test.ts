import { describe, expect, it } from 'vitest';
import { tabularOracle } from './tabular-oracle.js';

const table = [
  [0.5, 0.9, 0.2, 0.6],
  [0.1, 0.5, 0.7, 0.3],
  [0.8, 0.3, 0.5, 0.55],
  [0.4, 0.7, 0.45, 0.5],
];
const prompt = { id: 'p0', tokens: [0] };

describe('tabularOracle', () => {
  it('returns the table restricted to the responses (tokens [candidateIndex]), repeats included', async () => {
    const oracle = tabularOracle(table);
    const m = await oracle.doCompare({ prompt, responses: [{ tokens: [2] }, { tokens: [0] }, { tokens: [2] }] });
    expect(m).toEqual([
      [0.5, 0.8, 0.5],
      [0.2, 0.5, 0.2],
      [0.5, 0.8, 0.5],
    ]);
    expect(oracle.specificationVersion).toBe('v1');
  });

  it('supports one table per prompt and validates each', async () => {
    const oracle = tabularOracle((p) =>
      p.id === 'flip' ? table.map((row, i) => row.map((_, j) => table[j]?.[i] as number)) : table,
    );
    const m = await oracle.doCompare({
      prompt: { id: 'flip', tokens: [1] },
      responses: [{ tokens: [0] }, { tokens: [1] }],
    });
    expect(m[0]?.[1]).toBeCloseTo(0.1, 15);
    const bad = tabularOracle(() => [
      [0.5, 0.6],
      [0.6, 0.5],
    ]);
    await expect(bad.doCompare({ prompt, responses: [{ tokens: [0] }] })).rejects.toThrow(/prompt "p0".*M\[0\]\[1\]/);
  });

  it('validates the table up front and the responses', async () => {
    expect(() =>
      tabularOracle([
        [0.5, 0.6],
        [0.6, 0.5],
      ]),
    ).toThrowError(/tabularOracle "tabular-oracle" table is not a constant-sum/);
    await expect(tabularOracle(table).doCompare({ prompt, responses: [{ tokens: [4] }] })).rejects.toThrow(
      /candidate 4, outside the 4×4 table/,
    );
    await expect(tabularOracle(table).doCompare({ prompt, responses: [{ tokens: [] }] })).rejects.toThrow(
      /candidate undefined/,
    );
  });
});
