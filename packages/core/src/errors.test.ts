import { describe, expect, it } from 'vitest';
import { PrefplayError } from './errors.js';

describe('PrefplayError', () => {
  it('formats what, where and what to do', () => {
    const error = new PrefplayError({
      code: 'invalid-input',
      problem: 'winner must be model_a, model_b or tie',
      where: { file: 'battles.jsonl', line: 3, field: 'winner' },
      hint: 'Fix the row',
    });
    expect(error.message).toBe('battles.jsonl:3, field "winner": winner must be model_a, model_b or tie. Fix the row');
    expect(PrefplayError.isInstance(error)).toBe(true);
    expect(PrefplayError.hasCode(error, 'invalid-input')).toBe(true);
    expect(PrefplayError.hasCode(error, 'http')).toBe(false);
  });

  it('is recognised by its marker, not its class', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('prefplay.error')]: true });
    expect(PrefplayError.isInstance(foreign)).toBe(true);
    expect(PrefplayError.isInstance(new Error('x'))).toBe(false);
    expect(PrefplayError.isInstance(null)).toBe(false);
  });
});
