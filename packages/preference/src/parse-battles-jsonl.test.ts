import { PrefplayError } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { parseBattlesJsonl } from './parse-battles-jsonl.js';

describe('parseBattlesJsonl', () => {
  it('reads arena rows, ignores other fields and blank lines', () => {
    const text = [
      '{"model_a":"gpt-4","model_b":"claude-1","winner":"model_a","judge":"x","turn":1}',
      '',
      '{"model_a":"claude-1","model_b":"vicuna","winner":"tie (bothbad)"}',
      '  {"model_a":"vicuna","model_b":"gpt-4","winner":"tie"}  ',
      '{"model_b":"vicuna","model_a":"gpt-4","winner":"model_b"}',
      '',
    ].join('\n');
    expect(parseBattlesJsonl(text)).toEqual([
      { modelA: 'gpt-4', modelB: 'claude-1', winner: 'model_a' },
      { modelA: 'claude-1', modelB: 'vicuna', winner: 'tie (bothbad)' },
      { modelA: 'vicuna', modelB: 'gpt-4', winner: 'tie' },
      { modelA: 'gpt-4', modelB: 'vicuna', winner: 'model_b' },
    ]);
  });

  it('handles CRLF line endings', () => {
    expect(parseBattlesJsonl('{"model_a":"a","model_b":"b","winner":"tie"}\r\n')).toHaveLength(1);
  });

  const cases: [string, string, RegExp][] = [
    ['{"model_a":"a","model_b":"b","winner":"a"}', 'winner', /battles\.jsonl:2, field "winner"/],
    ['{"model_a":"a","winner":"tie"}', 'model_b', /battles\.jsonl:2, field "model_b"/],
    ['{"model_a":"","model_b":"b","winner":"tie"}', 'model_a', /battles\.jsonl:2, field "model_a"/],
    ['{"model_a":"a","model_b":"a","winner":"tie"}', 'model_b', /battles\.jsonl:2, field "model_b".*itself/],
    ['{"model_a":"a",', '', /battles\.jsonl:2: battle row is not valid JSON/],
    ['[1,2]', '', /battles\.jsonl:2: battle row must be a JSON object/],
  ];
  for (const [row, field, pattern] of cases) {
    it(`rejects ${row} naming file:line${field ? ` and ${field}` : ''}`, () => {
      const text = `{"model_a":"a","model_b":"b","winner":"model_a"}\n${row}\n`;
      let caught: unknown;
      try {
        parseBattlesJsonl(text, { file: 'battles.jsonl' });
      } catch (error) {
        caught = error;
      }
      expect(PrefplayError.hasCode(caught, 'invalid-input')).toBe(true);
      expect((caught as PrefplayError).where.line).toBe(2);
      if (field) expect((caught as PrefplayError).where.field).toBe(field);
      expect((caught as Error).message).toMatch(pattern);
    });
  }
});
