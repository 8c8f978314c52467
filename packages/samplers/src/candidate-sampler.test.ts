import { PrefplayError } from '@prefplay/core';
import { mockPolicy, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCandidateSampler } from './candidate-sampler.js';

beforeAll(async () => {
  await useTestBackend();
});

/** 0.999 quantiles of the chi-square distribution, from scipy.stats.chi2.ppf(0.999, df). */
const chiSquare999: Record<number, number> = { 2: 13.816, 3: 16.266 };

function chiSquare(counts: readonly number[], probs: readonly number[]): number {
  const n = counts.reduce((s, c) => s + c, 0);
  return probs.reduce((s, p, i) => s + ((counts[i] ?? 0) - n * p) ** 2 / (n * p), 0);
}

describe('createCandidateSampler', () => {
  it('draws from softmax(logps / temperature) over the candidates (chi-square against the closed form)', async () => {
    const policy = mockPolicy({ vocabSize: 4, seed: 3 });
    policy.logits.assign(tf.tensor1d([0.5, -0.3, 1.1, 0.0]));
    const candidates = [[0], [1, 2], [2], [3, 3]];
    // closed form: the unigram mock gives log π(y) = Σ_t log softmax(logits)[y_t]
    const logits = [0.5, -0.3, 1.1, 0.0];
    const lse = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
    const logps = candidates.map((c) => c.reduce((s, t) => s + logits[t]! - lse, 0));
    for (const temperature of [1, 0.5]) {
      const w = logps.map((l) => Math.exp(l / temperature));
      const z = w.reduce((s, x) => s + x, 0);
      const probs = w.map((x) => x / z);
      const sampler = createCandidateSampler({ policy, candidates: () => candidates, temperature });
      const [row] = await sampler.doSample({ prompts: [{ id: 'p', tokens: [0] }], samplesPerPrompt: 4000, seed: 7 });
      const counts = [0, 0, 0, 0];
      for (const s of row!) {
        const index = candidates.findIndex((c) => c.join() === s.tokens.join());
        counts[index]!++;
        expect(s.logprob).toBeCloseTo(Math.log(probs[index]!), 4);
        expect(s.finishReason).toBe('stop');
        expect(s.seed).toBe(7);
        expect(s.settings).toMatchObject({ temperature, candidateIndex: index, numCandidates: 4 });
      }
      expect(chiSquare(counts, probs)).toBeLessThan(chiSquare999[3]!);
      // a wrong distribution (uniform) is rejected by the same statistic
      expect(chiSquare(counts, [0.25, 0.25, 0.25, 0.25])).toBeGreaterThan(chiSquare999[3]!);
    }
    policy.dispose();
  });

  it('is reproducible, picks the argmax at temperature 0, and leaks nothing', async () => {
    const policy = mockPolicy({ vocabSize: 3, seed: 1 });
    policy.logits.assign(tf.tensor1d([0.1, 0.9, 0.4]));
    const prompts = [
      { id: 'a', tokens: [0] },
      { id: 'b', tokens: [1] },
    ];
    const sampler = createCandidateSampler({ policy, candidates: () => [[0], [1], [2]] });
    const a = await sampler.doSample({ prompts, samplesPerPrompt: 6, seed: 2 });
    const before = tf.memory().numTensors;
    const b = await sampler.doSample({ prompts, samplesPerPrompt: 6, seed: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(b.map((r) => r.map((s) => s.tokens))).toEqual(a.map((r) => r.map((s) => s.tokens)));
    const greedy = createCandidateSampler({ policy, candidates: () => [[0], [1], [2]], temperature: 0 });
    const g = await greedy.doSample({ prompts, samplesPerPrompt: 3, seed: 5 });
    expect(g.flat().map((s) => s.tokens[0])).toEqual([1, 1, 1, 1, 1, 1]);
    await expect(
      createCandidateSampler({ policy, candidates: () => [] }).doSample({ prompts, samplesPerPrompt: 1, seed: 1 }),
    ).rejects.toThrow(/no candidates/);
    let caught: unknown;
    try {
      createCandidateSampler({ policy, candidates: () => [[0]], temperature: -1 });
    } catch (error) {
      caught = error;
    }
    expect(PrefplayError.hasCode(caught, 'invalid-options')).toBe(true);
    expect((caught as PrefplayError).where.field).toBe('temperature');
    policy.dispose();
  });
});
