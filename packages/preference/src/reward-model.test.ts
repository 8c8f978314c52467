import { assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cyclePairs } from './__fixtures__/cycle-pairs.js';
import { isConstantSum } from './constant-sum.js';
import { createRewardModel, trainRewardModel } from './reward-model.js';
import type { PreferencePairV1 } from './train-pairwise.js';

beforeAll(async () => {
  await useTestBackend();
});

const prompt = { id: 'p', tokens: [0] };
const oneHot = (size: number) => (_: unknown, r: { tokens: readonly number[] }) =>
  Array.from({ length: size }, (_, i) => (i === r.tokens[0] ? 1 : 0));
const item = (i: number) => ({ tokens: [i] });

describe('reward model (neural Bradley-Terry)', () => {
  it('learns a transitive preference and its matrix is constant-sum', async () => {
    // true reward of item i is i (5 items); pairs labelled by σ(i − j)
    const pairs: PreferencePairV1[] = [];
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++)
        if (i !== j)
          pairs.push({ prompt, chosen: item(i), rejected: item(j), probability: 1 / (1 + Math.exp(-(i - j))) });
    const model = createRewardModel({ featurizer: oneHot(5), inputSize: 5, hiddenSizes: [8], seed: 1 });
    const { losses } = await trainRewardModel(model, {
      pairs,
      epochs: 150,
      batchSize: 20,
      learningRate: 0.05,
      seed: 2,
    });
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);
    const m = await model.doCompare({ prompt, responses: [0, 1, 2, 3, 4].map(item) });
    expect(isConstantSum(m, 1e-12)).toBe(true);
    for (let i = 0; i < 4; i++) expect(Math.abs((m[i + 1]?.[i] as number) - 1 / (1 + Math.exp(-1)))).toBeLessThan(0.05);
    const rewards = await model.scoreResponses(prompt, [0, 1, 2, 3, 4].map(item));
    expect(rewards.slice().sort((a, b) => a - b)).toEqual(rewards);
    model.dispose();
  });

  it('cannot fit a 3-cycle: its loss is at least ln 2 (attained only at P = 1/2) and some P is ≤ 1/2', async () => {
    const model = createRewardModel({ featurizer: oneHot(3), inputSize: 3, hiddenSizes: [16], seed: 3 });
    const { losses } = await trainRewardModel(model, {
      pairs: cyclePairs(0.9),
      epochs: 200,
      batchSize: 6,
      learningRate: 0.03,
      seed: 1,
    });
    // For any rewards, Δ01 + Δ12 + Δ20 = 0; the convex loss Σ CE(0.9, σ(Δ)) on that plane is least at Δ = 0.
    for (const loss of losses) expect(loss).toBeGreaterThanOrEqual(Math.LN2 - 1e-6);
    expect(losses[losses.length - 1]).toBeLessThan(Math.LN2 + 0.01); // training reaches the bound
    const m = await model.doCompare({ prompt, responses: [0, 1, 2].map(item) });
    const cycle = [m[0]?.[1], m[1]?.[2], m[2]?.[0]] as number[];
    expect(Math.min(...cycle)).toBeLessThanOrEqual(0.5 + 1e-12);
    expect(Math.max(...cycle.map((p) => Math.abs(p - 0.9)))).toBeGreaterThanOrEqual(0.4 - 1e-12);
    for (const p of cycle) expect(Math.abs(p - 0.5)).toBeLessThan(0.05);
    model.dispose();
  });

  it('is reproducible for a seed', async () => {
    const a = createRewardModel({ featurizer: oneHot(3), inputSize: 3, seed: 7 });
    const b = createRewardModel({ featurizer: oneHot(3), inputSize: 3, seed: 7 });
    const options = { pairs: cyclePairs(0.7), epochs: 3, batchSize: 2, seed: 4 };
    expect((await trainRewardModel(a, options)).losses).toEqual((await trainRewardModel(b, options)).losses);
    expect(await a.scoreResponses(prompt, [item(0)])).toEqual(await b.scoreResponses(prompt, [item(0)]));
    a.dispose();
    b.dispose();
  });

  it('leaks no tensors (score, logits, training, doCompare) and dispose frees its variables', async () => {
    const before = tf.memory().numTensors;
    const model = createRewardModel({ featurizer: oneHot(3), inputSize: 3, hiddenSizes: [4, 4], seed: 1 });
    const x = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    await assertNoLeaks(() => model.score(x), 'score');
    await assertNoLeaks(() => model.logits(x, x), 'logits');
    await assertNoLeaks(
      () => trainRewardModel(model, { pairs: cyclePairs(), epochs: 2, batchSize: 4 }),
      'trainRewardModel',
    );
    await assertNoLeaks(() => model.doCompare({ prompt, responses: [item(0), item(1)] }), 'doCompare');
    x.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates options and featurizer output', async () => {
    expect(() => createRewardModel({ featurizer: oneHot(3), inputSize: 0 })).toThrowError(
      /createRewardModel options.*"inputSize"/,
    );
    const model = createRewardModel({ featurizer: oneHot(3), inputSize: 4 });
    await expect(model.doCompare({ prompt, responses: [item(0)] })).rejects.toThrow(/gave 3 values for response 0/);
    await expect(trainRewardModel(model, { pairs: [], epochs: 1 })).rejects.toThrow(/"pairs"/);
    model.dispose();
  });
});
