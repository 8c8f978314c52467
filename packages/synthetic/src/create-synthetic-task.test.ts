import { PrefplayError } from '@prefplay/core';
import { tokenizerFromJSON } from '@prefplay/policies';
import { describe, expect, it } from 'vitest';
import { createSyntheticTask } from './create-synthetic-task.js';
import { domainWords, fillerWords } from './vocabulary.js';

describe('createSyntheticTask', () => {
  const task = createSyntheticTask({ seed: 3 });

  it('has a small word vocabulary that round-trips every domain word', () => {
    expect(task.tokenizer.vocabSize).toBe(domainWords().length + 4);
    expect(task.tokenizer.vocabSize).toBeLessThanOrEqual(80);
    for (const word of domainWords()) {
      const ids = task.tokenizer.encode(word);
      expect(ids).toHaveLength(1);
      expect(task.tokenizer.decode(ids)).toBe(word);
    }
    const restored = tokenizerFromJSON(task.tokenizer.toJSON());
    expect(restored.tokens).toEqual(task.tokenizer.tokens);
  });

  it('builds prompts that start with BOS and decode to their text', () => {
    for (const prompt of [...task.trainPrompts, ...task.evalPrompts]) {
      expect(prompt.tokens[0]).toBe(task.tokenizer.bosId);
      expect(task.tokenizer.decode(prompt.tokens)).toBe(prompt.text.replace(/ ([.?])/g, '$1'));
      expect(task.topicOf(prompt)).toBe(prompt.topic);
    }
  });

  it('holds out one phrasing per topic, disjoint from training prompts', () => {
    expect(task.trainPrompts).toHaveLength(30);
    expect(task.evalPrompts).toHaveLength(6);
    const trainIds = new Set(task.trainPrompts.map((p) => p.id));
    for (const prompt of task.evalPrompts) {
      expect(trainIds.has(prompt.id)).toBe(false);
      expect(task.trainPrompts.some((p) => p.topic === prompt.topic)).toBe(true);
      expect(task.trainPrompts.some((p) => p.template === prompt.template)).toBe(true);
    }
    expect(new Set(task.evalPrompts.map((p) => p.topic)).size).toBe(6);
  });

  it('writes an SFT corpus of well-formed, on-topic, mostly filler-free responses with every claim', () => {
    expect(task.sftExamples).toHaveLength(30 * 64);
    const trainTokens = new Set(task.trainPrompts.map((p) => p.tokens.join(',')));
    const claims = new Set<string>();
    let fillers = 0;
    for (const example of task.sftExamples) {
      expect(trainTokens.has(example.prompt.join(','))).toBe(true);
      const meaning = task.meaningOf({ tokens: example.response });
      expect(meaning.wellFormed).toBe(true);
      expect(meaning.length).toBeLessThanOrEqual(11);
      expect(meaning.claim?.topic).toBe(task.topicOf({ id: 'p', tokens: example.prompt }));
      claims.add(meaning.key);
      fillers += meaning.fillerCount;
    }
    expect(claims.size).toBe(6 * 9);
    const meanFillers = fillers / task.sftExamples.length;
    expect(meanFillers).toBeGreaterThan(0.2);
    expect(meanFillers).toBeLessThan(0.6);
  });

  it('reads meaning from token ids', () => {
    expect(task.meaningOf(task.response('really cats are quiet outside .'))).toMatchObject({
      wellFormed: true,
      key: 't0.q0.c1',
      fillerCount: 1,
      length: 7,
    });
    const open = { tokens: task.response('cats are calm today .').tokens.slice(0, -1) };
    expect(task.meaningOf(open)).toMatchObject({ wellFormed: false, terminated: false });
    const afterEos = { tokens: [...task.response('cats are calm today .').tokens, task.tokenizer.eosId] };
    expect(task.meaningOf(afterEos)).toMatchObject({ wellFormed: false, problem: 'tokens follow EOS' });
    const withBos = { tokens: [task.tokenizer.bosId, ...task.response('cats are calm today .').tokens] };
    expect(task.meaningOf(withBos).wellFormed).toBe(false);
    expect(task.responseText(task.response('so cats are calm today .').tokens)).toBe('so cats are calm today .');
  });

  it('sizes the policy for prompt plus sampling budget', () => {
    const longest = Math.max(...task.trainPrompts.map((p) => p.tokens.length));
    expect(task.policyConfig).toMatchObject({
      vocabSize: task.tokenizer.vocabSize,
      maxSequenceLength: longest + task.sampling.maxNewTokens,
      eosTokenId: task.tokenizer.eosId,
    });
    expect(task.policyConfig.maxSequenceLength).toBeLessThanOrEqual(32);
    expect(task.sampling).toEqual({ maxNewTokens: 16, temperature: 1, eosTokenId: task.tokenizer.eosId });
    // A response of maxNewTokens fillers cannot end: the budget bounds well-formed responses.
    expect(
      task.meaningOf({ tokens: task.response(Array(16).fill(fillerWords[0]).join(' ')).tokens.slice(0, 16) })
        .terminated,
    ).toBe(false);
  });

  it('is deterministic in its seed', () => {
    const again = createSyntheticTask({ seed: 3 });
    expect(again.sftExamples).toEqual(task.sftExamples);
    expect(again.evalPrompts.map((p) => p.id)).toEqual(task.evalPrompts.map((p) => p.id));
    expect(again.population).toEqual(task.population);
    const other = createSyntheticTask({ seed: 4 });
    expect(other.sftExamples).not.toEqual(task.sftExamples);
  });

  it('names the field and range of a bad option', () => {
    const attempt = (options: unknown) => () => createSyntheticTask(options as never);
    expect(attempt({ overconfidence: -1 })).toThrow(/overconfidence/);
    expect(attempt({ fillerProbability: 0.9 })).toThrow(/fillerProbability/);
    expect(attempt({ policy: { dModel: 30, numHeads: 4 } })).toThrow(/numHeads/);
    expect(attempt({ sed: 1 })).toThrow(/sed/);
    let caught: unknown;
    try {
      createSyntheticTask({ maxNewTokens: 3 });
    } catch (error) {
      caught = error;
    }
    expect(PrefplayError.hasCode(caught, 'invalid-options')).toBe(true);
    expect((caught as PrefplayError).where.field).toBe('maxNewTokens');
    expect((caught as PrefplayError).message).toMatch(/7/);
  });
});
