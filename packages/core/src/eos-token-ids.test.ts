import { describe, expect, it } from 'vitest';
import { eosTokenIdsSchema, parseEosTokenIds } from './eos-token-ids.js';
import { PrefplayError } from './errors.js';

const source = { what: 'generation_config.json', field: 'eos_token_id', file: 'm/generation_config.json' } as const;

function caught(run: () => unknown): PrefplayError {
  try {
    run();
  } catch (error) {
    if (PrefplayError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a PrefplayError');
}

describe('parseEosTokenIds', () => {
  it('reads one id or a list, drops repeats in order, and passes absence through', () => {
    expect(parseEosTokenIds(7, source)).toEqual([7]);
    expect(parseEosTokenIds([128001, 128009, 128001], { ...source, vocabSize: 128256 })).toEqual([128001, 128009]);
    expect(parseEosTokenIds(undefined, source)).toBeUndefined();
    expect(parseEosTokenIds(null, source)).toBeUndefined();
  });

  it('rejects an empty list, non-integers, negatives and ids outside the vocabulary, naming file and field', () => {
    const cases: [unknown, string, RegExp][] = [
      [[], 'eos_token_id', /empty list/],
      [1.5, 'eos_token_id', /1\.5, not a token id/],
      [[3, -1], 'eos_token_id[1]', /-1, not a token id/],
      [[3, '4'], 'eos_token_id[1]', /"4", not a token id/],
      ['<|im_end|>', 'eos_token_id', /not a token id/],
      [[3, 40], 'eos_token_id[1]', /40, outside the vocabulary of 40 tokens/],
      [40, 'eos_token_id', /outside the vocabulary/],
    ];
    for (const [value, field, problem] of cases) {
      const error = caught(() => parseEosTokenIds(value, { ...source, vocabSize: 40, code: 'invalid-config' }));
      expect(error.code, JSON.stringify(value)).toBe('invalid-config');
      expect(error.where.file).toBe('m/generation_config.json');
      expect(error.where.field).toBe(field);
      expect(error.problem).toMatch(problem);
      expect(error.message).toContain('generation_config.json');
    }
    // 39 is the largest id of a 40-token vocabulary; without a vocabulary there is no upper bound.
    expect(parseEosTokenIds([39], { ...source, vocabSize: 40 })).toEqual([39]);
    expect(parseEosTokenIds(1e6, source)).toEqual([1e6]);
    expect(caught(() => parseEosTokenIds(-2, { what: 'token sampler options', field: 'eosTokenId' })).code).toBe(
      'invalid-options',
    );
  });
});

describe('eosTokenIdsSchema', () => {
  it('accepts one id or a non-empty list of ids', () => {
    expect(eosTokenIdsSchema.parse(2)).toBe(2);
    expect(eosTokenIdsSchema.parse([2, 5])).toEqual([2, 5]);
    for (const bad of [[], -1, 0.5, [1, 2.5], '2', null]) expect(eosTokenIdsSchema.safeParse(bad).success).toBe(false);
  });
});
