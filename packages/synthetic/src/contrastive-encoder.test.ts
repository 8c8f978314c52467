import { createRng } from '@prefplay/core';
import { useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainContrastiveEncoder } from './contrastive-encoder.js';
import { createSyntheticTask } from './create-synthetic-task.js';
import { drawReferenceResponse } from './sft-corpus.js';

describe('trainContrastiveEncoder', () => {
  beforeAll(async () => {
    await useTestBackend();
  });
  const task = createSyntheticTask({ seed: 1 });

  it('learns from paraphrases: same-claim pairs end closer than different-claim pairs', async () => {
    const before = tf.memory().numTensors;
    const encoder = trainContrastiveEncoder(task, { steps: 120, seed: 2 });
    try {
      const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(encoder.losses.slice(-10))).toBeLessThan(mean(encoder.losses.slice(0, 10)) - 0.5);
      // fresh responses on a held-out prompt's topic, fillers included
      const prompt = task.evalPrompts[0];
      if (prompt === undefined) throw new Error('no prompt');
      const rng = createRng(9);
      const responses = Array.from({ length: 60 }, () => task.response(drawReferenceResponse(rng, prompt.topic, 0.3)));
      const keys = responses.map((r) => task.meaningOf(r).key);
      const z = await encoder.doEncode({ responses, prompt });
      const same: number[] = [];
      const different: number[] = [];
      for (let i = 0; i < z.length; i++) {
        expect(Math.hypot(...(z[i] as number[]))).toBeCloseTo(1, 5);
        for (let j = i + 1; j < z.length; j++) {
          const s = (z[i] as number[]).reduce((acc, x, d) => acc + x * ((z[j] as number[])[d] as number), 0);
          (keys[i] === keys[j] ? same : different).push(s);
        }
      }
      expect(mean(same)).toBeGreaterThan(mean(different) + 0.2);
      // deterministic in its seed
      const again = trainContrastiveEncoder(task, { steps: 120, seed: 2 });
      expect(again.losses).toEqual(encoder.losses);
      again.dispose();
    } finally {
      encoder.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('encodes without leaking tensors', async () => {
    const encoder = trainContrastiveEncoder(task, { steps: 2 });
    try {
      const before = tf.memory().numTensors;
      await encoder.doEncode({ responses: [task.response('cats are calm today .'), { tokens: [] }] });
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      encoder.dispose();
    }
  });
});
