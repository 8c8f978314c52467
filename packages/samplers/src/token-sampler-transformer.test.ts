import type { PromptV1, SampleV1 } from '@prefplay/core';
import { createTransformerPolicy } from '@prefplay/policies';
import { useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTokenSampler } from './token-sampler.js';

beforeAll(async () => {
  await useTestBackend();
});

const tokensOf = (samples: SampleV1[][]) => samples.map((row) => row.map((s) => [...s.tokens]));

describe('createTokenSampler on the transformer policy', () => {
  const prompts: PromptV1[] = [
    { id: 'a', tokens: [0, 5, 6] },
    { id: 'b', tokens: [0] },
    { id: 'c', tokens: [0, 7, 8, 9, 4] },
  ];

  it('gives the same tokens with and without the cache and for any batch size', async () => {
    const policy = createTransformerPolicy({
      vocabSize: 12,
      dModel: 16,
      numLayers: 2,
      numHeads: 2,
      maxSequenceLength: 16,
      eosTokenId: 1,
      seed: 3,
    });
    const run = (useCache: boolean, batchSize: number) =>
      createTokenSampler({ decoder: policy, maxNewTokens: 8, useCache, batchSize, topK: 8, topP: 0.95 }).doSample({
        prompts,
        samplesPerPrompt: 3,
        seed: 21,
      });
    const reference = tokensOf(await run(true, 9));
    expect(tokensOf(await run(false, 9))).toEqual(reference);
    expect(tokensOf(await run(true, 2))).toEqual(reference);
    expect(tokensOf(await run(false, 1))).toEqual(reference);
    expect(tokensOf(await run(true, 9))).toEqual(reference);
    policy.dispose();
  });

  it('reports log-probabilities equal to the policy’s own scoring and leaks nothing', async () => {
    const policy = createTransformerPolicy({
      vocabSize: 12,
      dModel: 16,
      numLayers: 1,
      numHeads: 2,
      maxSequenceLength: 16,
      eosTokenId: 1,
      seed: 5,
    });
    const sampler = createTokenSampler({ decoder: policy, maxNewTokens: 6, batchSize: 4 });
    await sampler.doSample({ prompts, samplesPerPrompt: 2, seed: 1 });
    const before = tf.memory().numTensors;
    const samples = await sampler.doSample({ prompts, samplesPerPrompt: 2, seed: 2 });
    for (let call = 0; call < 10; call++) await sampler.doSample({ prompts, samplesPerPrompt: 2, seed: call });
    expect(tf.memory().numTensors).toBe(before);
    const rows = prompts.flatMap((p, i) => samples[i]!.map((s) => ({ prompt: p.tokens, sample: s })));
    const scored = tf.tidy(() =>
      Array.from(
        policy
          .doForward({ prompts: rows.map((r) => r.prompt), responses: rows.map((r) => r.sample.tokens) })
          .logps.dataSync(),
      ),
    );
    rows.forEach((r, i) => {
      expect(r.sample.logprob!).toBeCloseTo(scored[i]!, 3);
    });
    policy.dispose();
  });
});
