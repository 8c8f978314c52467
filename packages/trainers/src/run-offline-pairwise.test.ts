import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockPolicy, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRunDirectory } from './run-directory.js';
import { runOfflinePairwise } from './run-offline-pairwise.js';

let scratch: string;
beforeAll(async () => {
  await useTestBackend();
  scratch = await mkdtemp(join(tmpdir(), 'prefplay-offline-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('runOfflinePairwise', () => {
  it('DPO raises the implicit reward margin and the accuracy on a consistent dataset', async () => {
    const policy = mockPolicy({ vocabSize: 5, seed: 2 });
    // token 4 is always chosen over token 0
    const dataset = Array.from({ length: 12 }, (_, i) => ({
      prompt: [i % 3],
      chosen: [4, (i % 3) + 1],
      rejected: [0, (i % 3) + 1],
    }));
    const reference = policy.doSnapshot();
    const before = tf.memory().numTensors;
    const dir = join(scratch, 'dpo');
    const result = await runOfflinePairwise(
      { loss: { name: 'dpo', options: { beta: 0.5 } }, epochs: 5, batchSize: 4, learningRate: 0.05, seed: 3 },
      { policy, reference, dataset, store: await openRunDirectory(dir) },
    );
    expect(tf.memory().numTensors).toBe(before); // the optimiser's slots are disposed
    reference.dispose();
    const first = result.epochs[0]?.['rewards/margins'] as number;
    const last = result.epochs[4]?.['rewards/margins'] as number;
    expect(last).toBeGreaterThan(first);
    expect(result.epochs[4]?.['rewards/accuracies']).toBe(1);
    const logits = Array.from(policy.logits.dataSync());
    expect(logits[4] as number).toBeGreaterThan(logits[0] as number);
    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
    expect(summary.methods.dpo.iterations).toHaveLength(5);
    policy.dispose();
  });

  it('runs every loss of the family and rejects an empty dataset', async () => {
    for (const name of ['cdpo', 'rdpo', 'ipo', 'hinge'] as const) {
      const policy = mockPolicy({ vocabSize: 3, seed: 1 });
      const result = await runOfflinePairwise(
        { loss: { name }, epochs: 1, batchSize: 2 },
        { policy, dataset: [{ prompt: [0], chosen: [1], rejected: [2] }] },
      );
      expect(Number.isFinite(result.epochs[0]?.['loss/total'])).toBe(true);
      policy.dispose();
    }
    const policy = mockPolicy({ vocabSize: 3 });
    await expect(runOfflinePairwise({}, { policy, dataset: [] })).rejects.toThrow(/empty/);
    policy.dispose();
  });
});
