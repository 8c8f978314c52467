import { PrefplayError } from '@prefplay/core';
import { mockPolicy, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { supervisedFineTune } from './supervised-fine-tune.js';
import { createTabularPolicy } from './tabular-policy.js';
import { createTransformerPolicy } from './transformer-policy.js';

beforeAll(async () => {
  await useTestBackend();
});

const examples = [
  { prompt: [0], response: [1, 2, 2, 1] },
  { prompt: [0, 3], response: [2] },
  { prompt: [0], response: [3, 3, 1] },
  { prompt: [0, 1], response: [2, 1] },
];

/**
 * The unigram optimum of mean_e[−log π(y_e)/|y_e|]: minimising −Σ_v p_v log q_v over the simplex
 * gives q = p with p_v = mean_e(count_e(v)/|y_e|), the length-weighted token frequency, and the
 * minimum is the entropy of p.
 */
function closedForm(vocabSize: number): { probs: number[]; entropy: number } {
  const probs = new Array<number>(vocabSize).fill(0);
  for (const e of examples) for (const t of e.response) probs[t]! += 1 / e.response.length / examples.length;
  const entropy = -probs.reduce((s, p) => s + (p > 0 ? p * Math.log(p) : 0), 0);
  return { probs, entropy };
}

function softmax(values: number[]): number[] {
  const m = Math.max(...values);
  const e = values.map((v) => Math.exp(v - m));
  const z = e.reduce((s, x) => s + x, 0);
  return e.map((x) => x / z);
}

describe('supervisedFineTune', () => {
  it('drives a unigram policy to the length-weighted token frequencies', async () => {
    const policy = mockPolicy({ vocabSize: 5, seed: 4 });
    const steps: number[] = [];
    const { losses } = await supervisedFineTune({
      policy,
      examples,
      epochs: 150,
      batchSize: examples.length,
      learningRate: 0.2,
      seed: 1,
      onStep: ({ step }) => {
        steps.push(step);
      },
    });
    expect(losses.length).toBe(150);
    expect(steps).toEqual(losses.map((_, i) => i));
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    const { probs, entropy } = closedForm(5);
    const trained = softmax(Array.from(policy.logits.dataSync()));
    trained.forEach((q, v) => {
      if (probs[v]! > 0) expect(Math.abs(q - probs[v]!)).toBeLessThan(5e-3);
      else expect(q).toBeLessThan(0.02);
    });
    expect(losses[losses.length - 1]!).toBeCloseTo(entropy, 2);
    policy.dispose();
  });

  it('shuffles reproducibly from the seed, uses minibatches and leaks nothing', async () => {
    const run = async (seed: number) => {
      const policy = mockPolicy({ vocabSize: 5, seed: 2 });
      const before = tf.memory().numTensors;
      const result = await supervisedFineTune({ policy, examples, epochs: 3, batchSize: 3, learningRate: 0.05, seed });
      const leaked = tf.memory().numTensors - before;
      policy.dispose();
      return { losses: result.losses, leaked };
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(a.losses.length).toBe(6); // 2 steps (3 + 1 examples) per epoch
    expect(b.losses).toEqual(a.losses);
    expect(c.losses).not.toEqual(a.losses);
    expect(a.leaked).toBe(0);
  });

  it('computes the loss as the batch mean of −logps/length', async () => {
    const policy = mockPolicy({ vocabSize: 5, seed: 3 });
    const logits = Array.from(policy.logits.dataSync());
    const lse = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
    const expected =
      examples.reduce((s, e) => s - e.response.reduce((t, v) => t + logits[v]! - lse, 0) / e.response.length, 0) /
      examples.length;
    const { losses } = await supervisedFineTune({
      policy,
      examples,
      epochs: 1,
      batchSize: 4,
      learningRate: 1e-3,
      seed: 0,
    });
    expect(losses[0]!).toBeCloseTo(expected, 5);
    policy.dispose();
  });

  it('validates its options', async () => {
    const policy = mockPolicy({ vocabSize: 5 });
    const base = { policy, examples, epochs: 1, batchSize: 2, learningRate: 0.1, seed: 0 };
    const cases: [Record<string, unknown>, string][] = [
      [{ learningRate: 0 }, 'learningRate'],
      [{ batchSize: 0 }, 'batchSize'],
      [{ epochs: 1.5 }, 'epochs'],
      [{ examples: [] }, 'examples'],
      [{ examples: [{ prompt: [0], response: [] }] }, 'examples[0].response'],
    ];
    for (const [patch, field] of cases) {
      const error = await supervisedFineTune({ ...base, ...patch } as Parameters<typeof supervisedFineTune>[0]).catch(
        (e: unknown) => e,
      );
      expect(PrefplayError.hasCode(error, 'invalid-options')).toBe(true);
      expect((error as PrefplayError).where.field).toBe(field);
    }
    const snapshot = policy.doSnapshot();
    await expect(supervisedFineTune({ ...base, policy: snapshot })).rejects.toThrow(/no trainable variables/);
    snapshot.dispose();
    policy.dispose();
  });

  it('fits a tabular policy to the empirical candidate frequencies of each prompt', async () => {
    // prompt 0: candidates 0,0,0,2 → (3/4, 0, 1/4); prompt 1: candidates 1,2 → (0, 1/2, 1/2)
    const pairs = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 2],
      [1, 1],
      [1, 2],
    ];
    const policy = createTabularPolicy({ numPrompts: 2, numCandidates: 3 });
    const { losses } = await supervisedFineTune({
      policy,
      examples: pairs.map(([p, c]) => ({ prompt: [p!], response: [c!] })),
      epochs: 250,
      batchSize: pairs.length,
      learningRate: 0.1,
      seed: 0,
    });
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    const probs = policy.probabilities();
    const expected = [
      [0.75, 0, 0.25],
      [0, 0.5, 0.5],
    ];
    probs.forEach((row, p) => {
      row.forEach((q, c) => {
        expect(Math.abs(q - expected[p]![c]!)).toBeLessThan(0.03);
      });
    });
    policy.dispose();
  });

  it('lowers the loss of a transformer policy without leaking', async () => {
    const policy = createTransformerPolicy({
      vocabSize: 10,
      dModel: 16,
      numLayers: 1,
      numHeads: 2,
      maxSequenceLength: 12,
      seed: 1,
    });
    const data = [
      { prompt: [0, 4], response: [5, 6, 7, 1] },
      { prompt: [0, 8], response: [9, 9, 1] },
    ];
    const before = tf.memory().numTensors;
    const { losses } = await supervisedFineTune({
      policy,
      examples: data,
      epochs: 40,
      batchSize: 2,
      learningRate: 1e-2,
      seed: 3,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
    policy.dispose();
  });
});
