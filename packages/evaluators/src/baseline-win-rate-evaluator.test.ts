import type { PreferenceOracleV1, SampleV1 } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { baselineWinRateEvaluator } from './baseline-win-rate-evaluator.js';
import { distinctN } from './distinct-n.js';
import { meanLength } from './mean-length.js';
import { textStatisticsEvaluator } from './text-statistics-evaluator.js';

const sample = (tokens: number[]): SampleV1 => ({ tokens, finishReason: 'stop', seed: 0, settings: {} });

/** Bradley-Terry judge on the first token: P(a ≻ b) = σ(a₀ − b₀). */
const judge: PreferenceOracleV1 = {
  specificationVersion: 'v1',
  oracleId: 'first-token',
  async doCompare({ responses }) {
    return responses.map((a) => responses.map((b) => 1 / (1 + Math.exp(-((a.tokens[0] ?? 0) - (b.tokens[0] ?? 0))))));
  },
};

describe('baselineWinRateEvaluator', () => {
  it("averages each sample's win probability over every baseline sample, then over samples", async () => {
    const samples = [[sample([2]), sample([0])]];
    const baselineSamples = [[sample([1]), sample([0]), sample([3])]];
    const result = await baselineWinRateEvaluator(judge).doEvaluate({
      iteration: 1,
      prompts: [{ id: 'p', tokens: [0] }],
      samples,
      baselineSamples,
    });
    const s = (x: number) => 1 / (1 + Math.exp(-x));
    const perSample = [(s(1) + s(2) + s(-1)) / 3, (s(-1) + s(0) + s(-3)) / 3];
    const [a, b] = perSample as [number, number];
    const mean = (a + b) / 2;
    expect(result.winRateVsBase).toBeCloseTo(mean, 12);
    // standard error of the mean over the two samples (n − 1 in the variance)
    const sd = Math.sqrt(((a - mean) ** 2 + (b - mean) ** 2) / 1);
    expect(result.winRateVsBaseSE).toBeCloseTo(sd / Math.sqrt(2), 12);
  });
});

describe('textStatisticsEvaluator', () => {
  it('reports length without EOS and distinct-2 of the EOS-stripped samples', async () => {
    const eos = 9;
    const samples = [[sample([1, 2, 9]), sample([1, 2, 1, 2, 9])], [sample([3])]];
    const result = await textStatisticsEvaluator(eos).doEvaluate({ iteration: 0, prompts: [], samples });
    expect(result.meanLength).toBeCloseTo(meanLength([[1, 2, 9], [1, 2, 1, 2, 9], [3]], { eosTokenId: eos }), 12);
    expect(result.distinct2).toBeCloseTo(distinctN([[1, 2], [1, 2, 1, 2], [3]], 2), 12);
  });

  it('strips a final token of any of several EOS ids', async () => {
    const samples = [[sample([1, 2, 9]), sample([1, 2, 1, 2, 8])], [sample([3, 8, 9])]];
    const result = await textStatisticsEvaluator([9, 8]).doEvaluate({ iteration: 0, prompts: [], samples });
    expect(result.meanLength).toBeCloseTo((2 + 4 + 2) / 3, 12);
    expect(result.distinct2).toBeCloseTo(
      distinctN(
        [
          [1, 2],
          [1, 2, 1, 2],
          [3, 8],
        ],
        2,
      ),
      12,
    );
    expect(() => textStatisticsEvaluator([])).toThrow(/textStatisticsEvaluator options: eosTokenId is an empty list/);
  });
});
