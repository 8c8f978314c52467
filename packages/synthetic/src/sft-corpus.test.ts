import { createRng } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { createSyntheticTask } from './create-synthetic-task.js';
import { drawReferenceResponse } from './sft-corpus.js';

describe('the SFT corpus', () => {
  it('concentrates two thirds of each topic on its dominant claim by default, keeping every claim', () => {
    const task = createSyntheticTask({ seed: 2 });
    for (let topic = 0; topic < 6; topic++) {
      const keys = task.sftExamples
        .filter((e) => task.topicOf({ id: 'p', tokens: e.prompt }) === topic)
        .map((e) => task.meaningOf({ tokens: e.response }).key);
      const dominant = task.dominantClaims[topic] as number;
      const dominantKey = `t${topic}.q${Math.floor(dominant / 3)}.c${dominant % 3}`;
      const share = keys.filter((k) => k === dominantKey).length / keys.length;
      // 320 examples per topic: binomial SE √(2/9/320) ≈ 0.026
      expect(Math.abs(share - 2 / 3)).toBeLessThan(0.1);
      expect(new Set(keys).size).toBe(9);
    }
    expect(new Set(task.dominantClaims).size).toBeGreaterThan(1);
  });

  it('with dominantClaimShare null draws uniform claims, the corpus of earlier versions', () => {
    const task = createSyntheticTask({ seed: 2, dominantClaimShare: null });
    // the earlier corpus, rebuilt: one uniformly drawn response per example from the 'sft-corpus' stream
    const corpusRng = createRng(2).fork('sft-corpus');
    const texts = task.trainPrompts.flatMap((prompt) =>
      Array.from({ length: 64 }, () => drawReferenceResponse(corpusRng, prompt.topic, 0.08)),
    );
    const rebuilt = corpusRng.shuffle(texts.map((t) => task.response(t).tokens));
    expect(task.sftExamples.map((e) => e.response)).toEqual(rebuilt);
    const counts = new Map<string, number>();
    for (const e of task.sftExamples) {
      const key = task.meaningOf({ tokens: e.response }).key;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(Math.max(...counts.values()) / task.sftExamples.length).toBeLessThan(0.04);
  });
});
