import { createRng, type PromptV1, type SamplerV1, type SampleV1 } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { claimExploitability } from './claim-exploitability.js';
import { createSyntheticTask, type SyntheticTask } from './create-synthetic-task.js';
import { createMeaningEvaluator, evaluationSeed, sampleMeaningHistograms } from './meaning-evaluator.js';
import { drawReferenceResponse } from './sft-corpus.js';

/** Draws reference responses (a topic's claims with fillers, now and then truncated) from the call's seed. */
function referenceSampler(task: SyntheticTask, fillerProbability: number, seeds: number[] = []): SamplerV1 {
  return {
    specificationVersion: 'v1',
    samplerId: 'reference',
    async doSample({ prompts, samplesPerPrompt, seed }) {
      seeds.push(seed);
      const rng = createRng(seed);
      return prompts.map((prompt: PromptV1) =>
        Array.from({ length: samplesPerPrompt }, (): SampleV1 => {
          const tokens = task.response(drawReferenceResponse(rng, task.topicOf(prompt), fillerProbability)).tokens;
          return { tokens: rng.next() < 0.1 ? tokens.slice(0, -1) : tokens, finishReason: 'stop', seed, settings: {} };
        }),
      );
    },
  };
}

describe('createMeaningEvaluator', () => {
  const task = createSyntheticTask({ seed: 3 });

  it('reports the true win rate, exact exploitability and meaning diversity of its own samples', async () => {
    const base = await sampleMeaningHistograms(task, referenceSampler(task, 0.05), { samplesPerPrompt: 40, seed: 1 });
    const records: { samples: readonly (readonly SampleV1[])[] }[] = [];
    const evaluator = createMeaningEvaluator({
      task,
      sampler: referenceSampler(task, 0.3),
      samplesPerPrompt: 30,
      seed: 7,
      stream: 'sppo',
      baseline: base.histograms,
      onRecord: (r) => {
        records.push(r);
      },
    });
    const result = await evaluator.doEvaluate({ iteration: 2, prompts: task.evalPrompts, samples: [] });
    const samples = records[0]?.samples ?? [];
    // independent computation over the raw responses: every (sample, base sample) pair by the truth
    let winRate = 0;
    let exploitability = 0;
    let fillers = 0;
    for (let p = 0; p < task.evalPrompts.length; p++) {
      const prompt = task.evalPrompts[p] as PromptV1;
      const own = samples[p] ?? [];
      const theirs = base.samples[p] ?? [];
      const m = await task.truePreference.doCompare({ prompt, responses: [...own, ...theirs] });
      let sum = 0;
      own.forEach((_, a) => {
        theirs.forEach((_, b) => {
          sum += m[a]?.[own.length + b] as number;
        });
      });
      winRate += sum / (own.length * theirs.length);
      const meanings = own.map((s) => task.meaningOf(s));
      exploitability += claimExploitability(task.population, task.topicOf(prompt), meanings).exploitability;
      fillers += meanings.reduce((s, x) => s + x.fillerCount, 0) / meanings.length;
    }
    const prompts = task.evalPrompts.length;
    expect(result.winRateVsBase).toBeCloseTo(winRate / prompts, 12);
    expect(result.exploitability).toBeCloseTo(exploitability / prompts, 12);
    expect(result.fillers).toBeCloseTo(fillers / prompts, 12);
    expect(result.winRateVsBaseSE).toBeCloseTo(
      Math.hypot(result.winRateVsBaseModelSE as number, result.winRateVsBaseBaselineSE as number),
      14,
    );
    expect(result.winRateVsBaseBaselineSE).toBeGreaterThan(0);
    // padding is all the difference from the base, and the truth dislikes it: below 1/2
    expect(result.winRateVsBase).toBeLessThan(0.5);
    expect(result.wellFormed).toBeGreaterThan(0.8);
    expect(result.distinctMeanings).toBeGreaterThan(3);
    expect(result.distinctMeanings).toBeLessThanOrEqual(8);
    expect(result.meaningEntropy).toBeGreaterThan(1);
  });

  it('draws independent samples per stream and iteration, reproducibly', async () => {
    const seeds: number[] = [];
    const base = await sampleMeaningHistograms(task, referenceSampler(task, 0), { samplesPerPrompt: 8, seed: 1 });
    const make = (stream: string) =>
      createMeaningEvaluator({
        task,
        sampler: referenceSampler(task, 0, seeds),
        samplesPerPrompt: 8,
        seed: 5,
        stream,
        baseline: base.histograms,
      });
    const context = (iteration: number) => ({ iteration, prompts: task.evalPrompts, samples: [] });
    const first = await make('a').doEvaluate(context(1));
    await make('a').doEvaluate(context(2));
    await make('b').doEvaluate(context(1));
    expect(await make('a').doEvaluate(context(1))).toEqual(first);
    expect(seeds).toEqual([evaluationSeed(5, 'a', 1), evaluationSeed(5, 'a', 2), evaluationSeed(5, 'b', 1), seeds[0]]);
    expect(new Set(seeds.slice(0, 3)).size).toBe(3);
  });

  it('rejects a baseline for other prompts', () => {
    expect(() =>
      createMeaningEvaluator({
        task,
        sampler: referenceSampler(task, 0),
        seed: 1,
        stream: 's',
        baseline: [{ labels: [], types: [], counts: [], total: 0 }],
      }),
    ).toThrow(/baseline has 1 histograms for 6 prompts/);
  });
});
