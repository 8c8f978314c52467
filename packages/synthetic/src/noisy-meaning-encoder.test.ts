import { createRng } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { createSyntheticTask } from './create-synthetic-task.js';
import { createNoisyMeaningEncoder } from './noisy-meaning-encoder.js';
import { drawReferenceResponse } from './sft-corpus.js';

describe('createNoisyMeaningEncoder', () => {
  const task = createSyntheticTask({ seed: 2 });
  const prompt = task.evalPrompts[0];
  if (prompt === undefined) throw new Error('no prompt');
  const rng = createRng(4);
  const responses = Array.from({ length: 2000 }, () => task.response(drawReferenceResponse(rng, prompt.topic, 0.3)));

  it('is the task encoder at error rate 0', async () => {
    const exact = await task.encoder.doEncode({ responses, prompt });
    expect(await createNoisyMeaningEncoder({ task, errorRate: 0 }).doEncode({ responses, prompt })).toEqual(exact);
  });

  it('misreads the given share of responses (nine in ten of them as another meaning), the same way every time', async () => {
    const exact = await task.encoder.doEncode({ responses, prompt });
    for (const errorRate of [0.1, 0.4]) {
      const encoder = createNoisyMeaningEncoder({ task, errorRate, seed: 3 });
      const noisy = await encoder.doEncode({ responses, prompt });
      const changed = noisy.filter((v, i) => v.some((x, d) => x !== exact[i]?.[d])).length / responses.length;
      // a misread response lands on its own meaning 1 time in 10; binomial SE ≤ 0.011
      expect(Math.abs(changed - errorRate * 0.9)).toBeLessThan(0.04);
      noisy.forEach((v) => {
        expect(Math.hypot(...v)).toBeCloseTo(1, 12);
      });
      expect(await encoder.doEncode({ responses, prompt })).toEqual(noisy);
    }
    const other = await createNoisyMeaningEncoder({ task, errorRate: 0.4, seed: 4 }).doEncode({ responses, prompt });
    expect(other).not.toEqual(
      await createNoisyMeaningEncoder({ task, errorRate: 0.4, seed: 3 }).doEncode({ responses, prompt }),
    );
  });

  it('rejects an error rate outside [0, 1]', () => {
    expect(() => createNoisyMeaningEncoder({ task, errorRate: 1.5 })).toThrow(/errorRate/);
  });
});
