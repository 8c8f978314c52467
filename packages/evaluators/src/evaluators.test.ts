import type { EvaluationContextV1, PreferenceOracleV1, PromptV1, ResponseV1, SampleV1 } from '@prefplay/core';
import { mockEncoder, mockOracle } from '@prefplay/testing';
import { describe, expect, it } from 'vitest';
import { rockPaperScissors } from './__fixtures__/games.js';
import { diversityEvaluator } from './diversity-evaluator.js';
import { exploitabilityEvaluator } from './exploitability-evaluator.js';
import { selfBleu } from './self-bleu.js';
import { winRateEvaluator } from './win-rate-evaluator.js';

const sample = (tokens: number[], finishReason: SampleV1['finishReason'] = 'stop'): SampleV1 => ({
  tokens,
  finishReason,
  seed: 0,
  settings: {},
});
const prompts: PromptV1[] = [
  { id: 'a', tokens: [0] },
  { id: 'b', tokens: [0] },
];
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('winRateEvaluator', () => {
  it('averages P(sample_k ≻ baseline_k) per prompt, then over prompts, with the standard error', async () => {
    const evaluator = winRateEvaluator({ judge: mockOracle() }); // P = σ(len_i − len_j)
    const context: EvaluationContextV1 = {
      iteration: 1,
      prompts,
      samples: [[sample([1, 2, 3]), sample([1])], [sample([1, 2])]],
      baselineSamples: [
        [sample([1]), sample([1, 2])],
        [sample([1, 2]), sample([4])],
      ],
    };
    const result = await evaluator.doEvaluate(context);
    const a = (sigmoid(2) + sigmoid(-1)) / 2;
    const b = 0.5; // equal lengths: a tie
    expect(evaluator.evaluatorId).toBe('win-rate');
    expect(result['win-rate/mean']).toBeCloseTo((a + b) / 2, 14);
    expect(result['win-rate/standard-error']).toBeCloseTo(Math.abs(a - b) / 2, 14);
    expect(result['win-rate/comparisons']).toBe(3);
    expect(result['win-rate/length-controlled']).toBeGreaterThan(0);
  });

  it('needs baseline samples and a judge', async () => {
    const evaluator = winRateEvaluator({ judge: mockOracle() });
    await expect(evaluator.doEvaluate({ iteration: 0, prompts, samples: [[], []] })).rejects.toThrow(/baselineSamples/);
    expect(() => winRateEvaluator({ judge: {} as PreferenceOracleV1 })).toThrow(/judge/);
  });
});

describe('diversityEvaluator', () => {
  it('reports the degeneration and diversity metrics', async () => {
    const samples = [
      [sample([1, 2, 1, 2, 9]), sample([3, 4, 9])],
      [sample([5, 5, 5, 5], 'length'), sample([5, 5, 5, 5], 'length')],
    ];
    const evaluator = diversityEvaluator({ encoder: mockEncoder({ vocabSize: 10 }), eosTokenId: 9 });
    const result = await evaluator.doEvaluate({ iteration: 0, prompts, samples });
    expect(result['diversity/mean-length']).toBe((4 + 2 + 4 + 4) / 4);
    // bigrams: [1,2,1,2] 1 repeat of 3; [3,4] 0 of 1; [5,5,5,5] 2 of 3, twice → 5 / 10
    expect(result['diversity/repetition-rate']).toBeCloseTo(5 / 10, 15);
    expect(result['diversity/non-termination-rate']).toBe(0.5);
    // distinct-1: prompt a {1,2,3,4} of 6; prompt b {5} of 8
    expect(result['diversity/distinct-1']).toBeCloseTo((4 / 6 + 1 / 8) / 2, 15);
    expect(result['diversity/self-bleu']).toBeCloseTo(
      (selfBleu([
        [1, 2, 1, 2],
        [3, 4],
      ]) +
        1) /
        2,
      14,
    );
    // The encoder sees the responses as sampled (EOS included): bag-of-tokens {1:2, 2:2, 9:1} · {3, 4, 9}
    // = 1 / (3·√3) for prompt a; identical responses → 1 for prompt b.
    expect(result['diversity/semantic-similarity']).toBeCloseTo((1 / (3 * Math.sqrt(3)) + 1) / 2, 14);
  });

  it('drops a final token of any of several EOS ids', async () => {
    const samples = [[sample([1, 2, 9]), sample([3, 4, 4, 8])]];
    const several = diversityEvaluator({ eosTokenId: [9, 8] });
    const result = await several.doEvaluate({ iteration: 0, prompts: prompts.slice(0, 1), samples });
    expect(result['diversity/mean-length']).toBe((2 + 3) / 2);
    // bigrams of [1,2] and [3,4,4]: 0 repeats of 1 + 2
    expect(result['diversity/repetition-rate']).toBe(0);
    const one = await diversityEvaluator({ eosTokenId: 9 }).doEvaluate({
      iteration: 0,
      prompts: prompts.slice(0, 1),
      samples,
    });
    expect(one['diversity/mean-length']).toBe((2 + 4) / 2);
    expect(() => diversityEvaluator({ eosTokenId: [] })).toThrow(/diversityEvaluator options/);
  });
});

/** An oracle reading each response's single token as rock (0), paper (1) or scissors (2). */
const rpsOracle: PreferenceOracleV1 = {
  specificationVersion: 'v1',
  oracleId: 'rps',
  async doCompare({ responses }) {
    return responses.map((a) =>
      responses.map((b) => rockPaperScissors[a.tokens[0] as number]?.[b.tokens[0] as number] as number),
    );
  },
};

describe('exploitabilityEvaluator', () => {
  const pool: Record<string, ResponseV1[]> = { a: [{ tokens: [0] }, { tokens: [1] }, { tokens: [2] }] };
  const evaluate = (samples: SampleV1[]) =>
    exploitabilityEvaluator({ oracle: rpsOracle, pool }).doEvaluate({
      iteration: 0,
      prompts: prompts.slice(0, 1),
      samples: [samples],
    });

  it('is 1/2 for a pure policy, 0 for the uniform one, and matches a hand computation', async () => {
    expect((await evaluate([sample([0]), sample([0])]))['exploitability/mean']).toBe(0.5);
    expect((await evaluate([sample([0]), sample([1]), sample([2])]))['exploitability/mean']).toBeCloseTo(0, 15);
    // p = (2/3, 1/3, 0): M p = (1/3, 5/6, 1/3) → 5/6 − 1/2
    const result = await evaluate([sample([0]), sample([1]), sample([0])]);
    expect(result['exploitability/mean']).toBeCloseTo(1 / 3, 15);
    expect(result['exploitability/union-size']).toBe(3);
  });

  it('adds samples outside the pool to the union', async () => {
    const result = await exploitabilityEvaluator({ oracle: rpsOracle, pool: () => [{ tokens: [1] }] }).doEvaluate({
      iteration: 0,
      prompts: prompts.slice(0, 1),
      samples: [[sample([0, 7]), sample([2])]],
    });
    // union (paper, rock, scissors) with p = (0, 1/2, 1/2): paper → 1/2·1 + 1/2·0 = 0.5, rock → 0.25 + 0.5 = 0.75
    expect(result['exploitability/union-size']).toBe(3);
    expect(result['exploitability/mean']).toBeCloseTo(0.25, 15);
  });

  it('rejects an oracle matrix that is not constant-sum', async () => {
    const bad: PreferenceOracleV1 = {
      specificationVersion: 'v1',
      oracleId: 'bad',
      async doCompare({ responses }) {
        return responses.map(() => responses.map(() => 0.9));
      },
    };
    await expect(
      exploitabilityEvaluator({ oracle: bad, pool }).doEvaluate({
        iteration: 0,
        prompts: prompts.slice(0, 1),
        samples: [[sample([0])]],
      }),
    ).rejects.toThrow(/prompt a/);
  });
});
