import { PrefplayError } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { createCharTokenizer } from './char-tokenizer.js';
import { specialTokens, tokenizerFromJSON } from './tokenizer.js';
import { createWordTokenizer } from './word-tokenizer.js';

const corpus = ['the cat sat.', 'The dog ran (fast)!', 'a cat, a dog; 42%'];

describe('createCharTokenizer', () => {
  it('puts the special tokens at ids 0..3 and the sorted characters after them', () => {
    const tok = createCharTokenizer(['bca', 'ab']);
    expect(tok.tokens).toEqual(['<bos>', '<eos>', '<pad>', '<unk>', 'a', 'b', 'c']);
    expect([tok.bosId, tok.eosId, tok.padId, tok.unkId]).toEqual([0, 1, 2, 3]);
    expect(specialTokens.eos.id).toBe(1);
    expect(tok.vocabSize).toBe(7);
    expect(tok.kind).toBe('char');
  });

  it('round-trips text made of known characters and maps others to <unk>', () => {
    const tok = createCharTokenizer(corpus);
    for (const text of corpus) expect(tok.decode(tok.encode(text))).toBe(text);
    expect(tok.encode('cat', { addBos: true, addEos: true })).toEqual([0, ...tok.encode('cat'), 1]);
    expect(tok.decode(tok.encode('cat', { addBos: true, addEos: true }))).toBe('cat');
    expect(tok.decode([0, ...tok.encode('cat'), 1], { skipSpecialTokens: false })).toBe('<bos>cat<eos>');
    expect(tok.encode('cZt')[1]).toBe(tok.unkId);
    expect(tok.decode(tok.encode('cZt'))).toBe('c<unk>t');
    // astral-plane characters are one token each
    const emoji = createCharTokenizer(['a😀b']);
    expect(emoji.encode('😀a').length).toBe(2);
    expect(emoji.decode(emoji.encode('b😀'))).toBe('b😀');
  });

  it('applies minCount, maxSize and lowercasing', () => {
    const tok = createCharTokenizer(['aaab', 'bc'], { minCount: 2 });
    expect(tok.tokens.slice(4)).toEqual(['a', 'b']);
    const capped = createCharTokenizer(['aaabbc'], { maxSize: 6 });
    expect(capped.tokens.slice(4)).toEqual(['a', 'b']);
    const lower = createCharTokenizer(['AbA'], { lowercase: true });
    expect(lower.tokens.slice(4)).toEqual(['a', 'b']);
    expect(lower.decode(lower.encode('BA'))).toBe('ba');
  });
});

describe('createWordTokenizer', () => {
  it('splits on whitespace and keeps punctuation as tokens', () => {
    const tok = createWordTokenizer(corpus);
    const ids = tok.encode('The dog ran (fast)!');
    expect(ids.map((id) => tok.tokens[id])).toEqual(['The', 'dog', 'ran', '(', 'fast', ')', '!']);
    expect(tok.tokens.slice(0, 4)).toEqual(['<bos>', '<eos>', '<pad>', '<unk>']);
    expect(tok.kind).toBe('word');
  });

  it('round-trips canonically spaced text', () => {
    const tok = createWordTokenizer(corpus);
    for (const text of corpus) expect(tok.decode(tok.encode(text))).toBe(text);
    expect(tok.decode(tok.encode('the   cat\n sat .'))).toBe('the cat sat.');
    expect(tok.decode(tok.encode('the bird sat.'))).toBe('the <unk> sat.');
  });

  it('lowercases and limits the vocabulary by count and size', () => {
    const lower = createWordTokenizer(corpus, { lowercase: true });
    expect(lower.tokens).not.toContain('The');
    expect(lower.encode('THE CAT')).toEqual(lower.encode('the cat'));
    const frequent = createWordTokenizer(corpus, { minCount: 2 });
    expect(frequent.tokens.slice(4)).toEqual(['a', 'cat', 'dog']);
    const small = createWordTokenizer(['a a a b b c'], { maxSize: 6 });
    expect(small.tokens.slice(4)).toEqual(['a', 'b']);
  });

  it('rejects bad options and ids outside the vocabulary', () => {
    expect(() => createWordTokenizer(corpus, { minCount: 0 })).toThrow(/minCount/);
    expect(() => createWordTokenizer('text' as unknown as string[])).toThrow(/array of strings/);
    const tok = createWordTokenizer(corpus);
    expect(() => tok.decode([4, 999])).toThrow(/token id 999 at position 1/);
  });
});

describe('tokenizerFromJSON', () => {
  it('round-trips through JSON text', () => {
    for (const tok of [createCharTokenizer(corpus), createWordTokenizer(corpus, { lowercase: true })]) {
      const restored = tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
      expect(restored.tokens).toEqual(tok.tokens);
      expect(restored.kind).toBe(tok.kind);
      for (const text of [...corpus, 'The CAT sat!']) expect(restored.encode(text)).toEqual(tok.encode(text));
    }
  });

  it('explains what is wrong with a bad file', () => {
    const good = createWordTokenizer(corpus).toJSON();
    const cases: [unknown, RegExp][] = [
      [{ ...good, format: 'something-else' }, /format/],
      [{ ...good, formatVersion: 2 }, /formatVersion/],
      [{ ...good, tokens: ['<eos>', '<bos>', '<pad>', '<unk>', 'a'] }, /special token "<bos>"/],
      [{ ...good, tokens: [...good.tokens, 'cat'] }, /repeats token/],
      [{ ...good, kind: 'bpe' }, /kind/],
      ['not an object', /tokenizer JSON/],
    ];
    for (const [json, pattern] of cases) {
      let caught: unknown;
      try {
        tokenizerFromJSON(json, { file: 'tok.json' });
      } catch (error) {
        caught = error;
      }
      expect(PrefplayError.hasCode(caught, 'invalid-input')).toBe(true);
      expect((caught as Error).message).toMatch(pattern);
      expect((caught as Error).message).toMatch(/tok\.json/);
    }
  });
});
