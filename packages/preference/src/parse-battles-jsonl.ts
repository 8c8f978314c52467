import { PrefplayError, parseOptions } from '@prefplay/core';
import { z } from 'zod';
import { type Battle, battleWinners } from './aggregate-battles.js';

/** One JSONL row in Chatbot-Arena's format; other fields (judge, turn, ...) are ignored. */
export const battleRowSchema = z.object({
  model_a: z.string().min(1),
  model_b: z.string().min(1),
  winner: z.enum(['model_a', 'model_b', 'tie', 'tie (bothbad)']),
});

export type BattleRow = z.input<typeof battleRowSchema>;

/**
 * Parses JSON Lines of battles `{ "model_a", "model_b", "winner" }` (blank lines skipped). A
 * malformed row throws a `PrefplayError` (code `invalid-input`) naming `file:line` and the field.
 */
export function parseBattlesJsonl(text: string, options: { readonly file?: string } = {}): Battle[] {
  const file = options.file ?? '<battles>';
  const battles: Battle[] = [];
  const hint = `Each line must be a JSON object {"model_a": string, "model_b": string, "winner": ${battleWinners.map((w) => `"${w}"`).join(' | ')}}`;
  let start = 0;
  let line = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    if (raw.length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `battle row is not valid JSON (${(error as Error).message})`,
        where: { file, line },
        hint,
      });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `battle row must be a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`,
        where: { file, line },
        hint,
      });
    }
    const row = parseOptions(battleRowSchema, value, { what: 'battle row', file, line, code: 'invalid-input', hint });
    if (row.model_a === row.model_b) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `battle row pits "${row.model_a}" against itself`,
        where: { file, line, field: 'model_b' },
        hint: 'Drop self-battles before fitting',
      });
    }
    battles.push({ modelA: row.model_a, modelB: row.model_b, winner: row.winner });
  }
  return battles;
}
