import { describe, expect, it } from 'vitest';
import { malformedKey, parseResponseWords } from './parse-response.js';
import { domainWords, fillerWords, roleOf } from './vocabulary.js';

const parse = (text: string, terminated = true) => {
  const words = text.split(' ').filter((w) => w.length > 0);
  return parseResponseWords(words, { terminated, length: words.length + (terminated ? 1 : 0) });
};

describe('parseResponseWords', () => {
  it('reads the claim of a plain response', () => {
    const m = parse('cats are calm today .');
    expect(m).toMatchObject({ wellFormed: true, terminated: true, key: 't0.q0.c0', fillerCount: 0, length: 6 });
    expect(m.claim).toEqual({ topic: 0, quality: 0, context: 0 });
  });

  it('maps synonyms to the same claim', () => {
    expect(parse('kittens seem peaceful lately .').key).toBe('t0.q0.c0');
    expect(parse('novels are tough jointly .').key).toBe('t5.q2.c2');
    expect(parse('streams seem vivid outdoors .').key).toBe('t2.q1.c1');
  });

  it('counts fillers anywhere before the stop and ignores them for meaning', () => {
    const m = parse('really dogs truly are very very bright indeed outside please .');
    expect(m).toMatchObject({ wellFormed: true, key: 't1.q1.c1', fillerCount: 6, length: 12 });
  });

  it('rejects responses without EOS, whatever their words', () => {
    const m = parse('cats are calm today .', false);
    expect(m).toMatchObject({ wellFormed: false, terminated: false, key: malformedKey });
    expect(m.problem).toMatch(/EOS/);
    expect(parse('really really really really', false).fillerCount).toBe(4);
  });

  it('rejects broken grammar', () => {
    for (const text of [
      'cats are calm today',
      'cats calm are today .',
      'are cats calm today .',
      'cats are calm .',
      'cats are calm today . really .',
      'cats are calm today really',
      'cats are calm today cats .',
      'cats are calm about .',
      '',
      '.',
    ]) {
      const m = parse(text);
      expect(m.wellFormed, text).toBe(false);
      expect(m.key, text).toBe(malformedKey);
      expect(m.problem, text).toBeTypeOf('string');
    }
  });

  it('gives every domain word exactly one role', () => {
    const words = domainWords();
    expect(new Set(words).size).toBe(words.length);
    expect(words.length).toBeLessThanOrEqual(76);
    for (const word of fillerWords) expect(roleOf(word).role).toBe('filler');
    for (const word of ['tell', 'me', 'about', '?', 'describe']) expect(roleOf(word).role).toBe('other');
  });
});
