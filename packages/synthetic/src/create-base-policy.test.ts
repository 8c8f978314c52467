import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointFileCache } from '@prefplay/policies/node';
import { useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBasePolicy, fitBasePolicy } from './create-base-policy.js';
import { createSyntheticTask } from './create-synthetic-task.js';
import { decodeResponses } from './decode-responses.js';

describe('createBasePolicy', () => {
  const task = createSyntheticTask({ seed: 1 });
  const directory = mkdtempSync(join(tmpdir(), 'prefplay-synthetic-'));
  beforeAll(async () => {
    await useTestBackend();
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('lowers the SFT loss and samples mostly well-formed, terminated responses', async () => {
    const { policy, losses } = await fitBasePolicy(task, { steps: 120, batchSize: 16, learningRate: 0.01 });
    try {
      expect(losses).toHaveLength(120);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const first = mean(losses.slice(0, 5));
      const last = mean(losses.slice(-10));
      expect(first).toBeGreaterThan(3);
      expect(last).toBeLessThan(first - 1.5);
      const prompts = task.trainPrompts.flatMap((p) => [p.tokens, p.tokens]);
      const responses = decodeResponses(policy, prompts, { ...task.sampling, seed: 3 });
      const stats = task.responseStatistics(responses.map((tokens) => ({ tokens })));
      expect(stats.terminatedRate).toBeGreaterThan(0.9);
      expect(stats.wellFormedRate).toBeGreaterThan(0.5);
      expect(stats.distinctClaims).toBeGreaterThan(5);
    } finally {
      policy.dispose();
    }
  });

  it('caches the fitted policy in a checkpoint and reloads it only for the same budget', async () => {
    const cache = checkpointFileCache(join(directory, 'base.ckpt'));
    const trained = await fitBasePolicy(task, { steps: 3, batchSize: 8, cache });
    const loaded = await fitBasePolicy(task, { steps: 3, batchSize: 8, cache });
    const other = await fitBasePolicy(task, { steps: 4, batchSize: 8, cache });
    try {
      expect(trained.fromCheckpoint).toBe(false);
      expect(loaded.fromCheckpoint).toBe(true);
      expect(other.fromCheckpoint).toBe(false);
      const forward = {
        prompts: [task.trainPrompts[0]?.tokens ?? []],
        responses: [task.response('cats are calm today .').tokens],
      };
      const a = tf.tidy(() => trained.policy.doForward(forward).logps.arraySync());
      const b = tf.tidy(() => loaded.policy.doForward(forward).logps.arraySync());
      expect(b).toEqual(a);
    } finally {
      trained.policy.dispose();
      loaded.policy.dispose();
      other.policy.dispose();
    }
  });

  it('validates its options', async () => {
    await expect(createBasePolicy(task, { steps: 0 })).rejects.toThrow(/steps/);
  });
});
