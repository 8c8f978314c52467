import type { SampleV1 } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { createSyntheticTask } from './create-synthetic-task.js';

describe('synthetic evaluator', () => {
  const task = createSyntheticTask({ seed: 4 });
  const sample = (text: string, open = false): SampleV1 => {
    const tokens = task.response(text).tokens;
    return {
      tokens: open ? tokens.slice(0, -1) : tokens,
      finishReason: open ? 'length' : 'stop',
      seed: 0,
      settings: {},
    };
  };
  const [first, second] = task.evalPrompts;
  if (first === undefined || second === undefined) throw new Error('eval prompts');
  const topicWord = (topic: number) => ['cats', 'dogs', 'rivers', 'songs', 'cities', 'books'][topic] as string;
  const a = topicWord(first.topic);
  const b = topicWord(second.topic);

  it('averages hand-countable domain metrics over prompts', async () => {
    const result = await task.evaluator.doEvaluate({
      iteration: 0,
      prompts: [first, second],
      samples: [
        [sample(`${a} are calm today .`), sample(`really ${a} are calm today .`), sample(`so so ${a} are`, true)],
        [sample(`${b} are bright outside .`), sample(`${b} seem strong together .`)],
      ],
    });
    // Prompt 1: 2/3 well-formed, 2/3 terminated, fillers (0+1+2)/3, lengths (6+7+4)/3, 1 claim.
    // Prompt 2: all well-formed, no fillers, lengths 6, 2 claims.
    expect(result['synthetic/well-formed-rate']).toBeCloseTo((2 / 3 + 1) / 2, 12);
    expect(result['synthetic/terminated-rate']).toBeCloseTo((2 / 3 + 1) / 2, 12);
    expect(result['synthetic/mean-fillers']).toBeCloseTo((1 + 0) / 2, 12);
    expect(result['synthetic/mean-length']).toBeCloseTo((17 / 3 + 6) / 2, 12);
    expect(result['synthetic/distinct-claims']).toBeCloseTo(1.5, 12);
    expect(result['synthetic/true-win-rate']).toBeUndefined();
    const e1 = task.claimExploitability(first, [
      sample(`${a} are calm today .`),
      sample(`really ${a} are calm today .`),
      sample(`so so ${a} are`, true),
    ]);
    const e2 = task.claimExploitability(second, [
      sample(`${b} are bright outside .`),
      sample(`${b} seem strong together .`),
    ]);
    expect(result['synthetic/claim-exploitability']).toBeCloseTo((e1.exploitability + e2.exploitability) / 2, 12);
  });

  it('scores a policy against itself at exactly 1/2 and well-formed over broken at 1', async () => {
    const samples = [[sample(`${a} are calm today .`), sample(`${a} seem vivid outside .`), sample(`${a} are`, true)]];
    const self = await task.evaluator.doEvaluate({ iteration: 0, prompts: [first], samples, baselineSamples: samples });
    expect(self['synthetic/true-win-rate']).toBeCloseTo(0.5, 12);
    const broken = [[sample(`${a} are`, true), sample('.')]];
    const better = await task.evaluator.doEvaluate({
      iteration: 0,
      prompts: [first],
      samples: [[sample(`${a} are calm today .`)]],
      baselineSamples: broken,
    });
    expect(better['synthetic/true-win-rate']).toBe(1);
  });
});
