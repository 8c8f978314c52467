import { PrefplayError } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { createBattleReader, parseBattles, readBattles } from './read-battles.js';

function errorOf(run: () => unknown): PrefplayError {
  try {
    run();
  } catch (error) {
    if (PrefplayError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a PrefplayError');
}

/** Rows shaped like FastChat's clean_battle_*.json (conversations, judge, tstamp, ...). */
const fastChatRows = [
  { model_a: 'gpt-4', model_b: 'claude-1', winner: 'model_a', anony: true, language: 'English' },
  { model_a: 'claude-1', model_b: 'vicuna-13b', winner: 'tie (bothbad)', anony: true, language: 'English' },
  { model_a: 'vicuna-13b', model_b: 'gpt-4', winner: 'model_b', anony: false, language: 'German' },
  { model_a: 'gpt-4', model_b: 'vicuna-13b', winner: 'tie', anony: true, language: 'German' },
  { model_a: 'koala-13b', model_b: 'gpt-4', winner: 'model_b', anony: true, language: 'English' },
].map((row, i) => ({
  question_id: `q${i}`,
  ...row,
  judge: `arena_user_${i}`,
  conversation_a: [
    { role: 'user', content: `Say "hi" [${i}], {then} \\ stop`, num_tokens: 9 },
    { role: 'assistant', content: 'hi]}', num_tokens: 2 },
  ],
  conversation_b: [{ role: 'user', content: 'line one\nline two', num_tokens: 4 }],
  turn: 1,
  tstamp: 1_700_000_000 + i,
}));
/** As Python's json.dump(battles, indent=2, ensure_ascii=False) writes it. */
const fastChatJson = JSON.stringify(fastChatRows, null, 2);
const fastChatJsonl = `${fastChatRows.map((r) => JSON.stringify(r)).join('\n')}\n`;
const expected = fastChatRows.map((r) => ({ modelA: r.model_a, modelB: r.model_b, winner: r.winner }));

describe('parseBattles', () => {
  it('reads JSONL rows, ignores other fields and blank lines, and CRLF line ends', () => {
    const text = [
      '{"model_a":"gpt-4","model_b":"claude-1","winner":"model_a","judge":"x","turn":1}',
      '',
      '{"model_a":"claude-1","model_b":"vicuna","winner":"tie (bothbad)"}\r',
      '  {"model_a":"vicuna","model_b":"gpt-4","winner":"tie"}  ',
      '{"model_b":"vicuna","model_a":"gpt-4","winner":"model_b"}',
      '',
    ].join('\n');
    expect(parseBattles(text)).toEqual([
      { modelA: 'gpt-4', modelB: 'claude-1', winner: 'model_a' },
      { modelA: 'claude-1', modelB: 'vicuna', winner: 'tie (bothbad)' },
      { modelA: 'vicuna', modelB: 'gpt-4', winner: 'tie' },
      { modelA: 'gpt-4', modelB: 'vicuna', winner: 'model_b' },
    ]);
  });

  it("reads FastChat's JSON array (pretty-printed or on one line) like its JSONL form", () => {
    expect(parseBattles(fastChatJson)).toEqual(expected);
    expect(parseBattles(JSON.stringify(fastChatRows))).toEqual(expected);
    expect(parseBattles(fastChatJsonl)).toEqual(expected);
    expect(parseBattles('  \n[ ]\n')).toEqual([]);
  });

  it('accepts a byte-order mark before JSONL and before a JSON array', () => {
    expect(parseBattles(`\uFEFF${fastChatJsonl}`)).toEqual(expected);
    expect(parseBattles(`\uFEFF${fastChatJson}`)).toEqual(expected);
  });

  it('gives the same battles however the text is cut into chunks', async () => {
    for (const text of [fastChatJson, fastChatJsonl, `\uFEFF${fastChatJson}`]) {
      for (let cut = 0; cut <= text.length; cut += 7) {
        const reader = createBattleReader();
        reader.push(text.slice(0, cut));
        reader.push(text.slice(cut));
        expect(reader.end().battles).toEqual(expected);
      }
      const oneByOne = await readBattles([...text]);
      expect(oneByOne.battles).toEqual(expected);
    }
  });

  it('reports the format, the rows read and what each filter dropped, in FastChat order', async () => {
    const all = await readBattles([fastChatJson]);
    expect(all).toMatchObject({
      format: 'json-array',
      rows: 5,
      dropped: { language: 0, excludedModel: 0, notAnonymous: 0, tie: 0 },
    });
    const filtered = await readBattles([fastChatJsonl], {
      anonyOnly: true,
      excludeTies: true,
      langs: ['English'],
      excludeModels: ['koala-13b'],
    });
    // Row 2 and 3 are German, row 4 has koala, row 1 is a tie: only row 0 is left.
    expect(filtered.format).toBe('jsonl');
    expect(filtered.battles).toEqual([expected[0]]);
    expect(filtered.dropped).toEqual({ language: 2, excludedModel: 1, notAnonymous: 0, tie: 1 });
    const anony = await readBattles([fastChatJson], { anonyOnly: true });
    expect(anony.battles).toEqual(expected.filter((_, i) => fastChatRows[i]?.anony));
    expect(anony.dropped.notAnonymous).toBe(1);
  });

  it('needs the fields a filter reads', () => {
    const plain = '{"model_a":"a","model_b":"b","winner":"model_a"}\n';
    const anony = errorOf(() => parseBattles(plain, { anonyOnly: true, file: 'b.jsonl' }));
    expect(anony.message).toMatch(/b\.jsonl:1, field "anony": .*no boolean "anony" field/);
    const language = errorOf(() => parseBattles(plain, { langs: ['English'], file: 'b.jsonl' }));
    expect(language.message).toMatch(/b\.jsonl:1, field "language"/);
    expect(errorOf(() => parseBattles('{"model_a":"a","model_b":"b","winner":"tie","anony":"yes"}')).where.field).toBe(
      'anony',
    );
  });

  const jsonlCases: [string, string, RegExp][] = [
    ['{"model_a":"a","model_b":"b","winner":"a"}', 'winner', /battles\.jsonl:2, field "winner"/],
    ['{"model_a":"a","winner":"tie"}', 'model_b', /battles\.jsonl:2, field "model_b"/],
    ['{"model_a":"","model_b":"b","winner":"tie"}', 'model_a', /battles\.jsonl:2, field "model_a"/],
    ['{"model_a":"a","model_b":"a","winner":"tie"}', 'model_b', /battles\.jsonl:2, field "model_b".*itself/],
    ['{"model_a":"a",', '', /battles\.jsonl:2: battle row is not valid JSON/],
    ['[1,2]', '', /battles\.jsonl:2: battle row must be a JSON object, got an array/],
  ];
  for (const [row, field, pattern] of jsonlCases) {
    it(`rejects the JSONL row ${row} naming file:line${field ? ` and ${field}` : ''}`, () => {
      const text = `{"model_a":"a","model_b":"b","winner":"model_a"}\n${row}\n`;
      const error = errorOf(() => parseBattles(text, { file: 'battles.jsonl' }));
      expect(error.code).toBe('invalid-input');
      expect(error.where.line).toBe(2);
      if (field) expect(error.where.field).toBe(field);
      expect(error.message).toMatch(pattern);
    });
  }

  const arrayCases: [string, number, RegExp][] = [
    [
      '[\n  {"model_a": "a", "model_b": "b", "winner": "model_a"},\n  {"model_a": "a", "winner": "tie"}\n]',
      3,
      /battle 2.*model_b/,
    ],
    [
      '[\n  {"model_a": "a", "model_b": "b", "winner": "model_a"},\n  [1, 2]\n]',
      3,
      /battle 2 must be a JSON object, got an array/,
    ],
    ['[\n  {"model_a": "a", "model_b": "b", "winner": "model_a"},\n  7\n]', 3, /battle 2 must be a JSON object, got 7/],
    ['[\n  {"model_a": "a", "model_b": "b", "winner": "model_a"},\n]', 3, /"," with no battle after it/],
    [
      '[\n  {"model_a": "a", "model_b": "b", "winner": "model_a"}\n  {"model_a": "a"}\n]',
      3,
      /expected "," or "]" after battle 1/,
    ],
    ['[\n  {"model_a": "a", "model_b": "b",\n', 3, /not closed.*inside battle 1, which starts at line 2/],
    ['[\n  {"model_a": "a", "model_b": "b", "winner": "model_a"}\n]\n]', 4, /text after the closing/],
    ['[\n  {"model_a": "a", "model_b": "b", "winner": model_a}\n]', 2, /battle 1 is not valid JSON/],
  ];
  for (const [text, line, pattern] of arrayCases) {
    it(`rejects a bad JSON array at line ${line}: ${pattern.source}`, () => {
      const error = errorOf(() => parseBattles(text, { file: 'clean_battle.json' }));
      expect(error.code).toBe('invalid-input');
      expect(error.where).toMatchObject({ file: 'clean_battle.json', line });
      expect(error.message).toMatch(pattern);
    });
  }
});
