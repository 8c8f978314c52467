import { PrefplayError, parseOptions } from '@prefplay/core';
import { z } from 'zod';
import { type Battle, type BattleWinner, battleWinners } from './aggregate-battles.js';

/**
 * One battle row in Chatbot-Arena's format (FastChat's `clean_battle_*.json` elements or arena
 * JSONL lines). Only these fields are read; others (judge, turn, conversations, tstamp, ...) are
 * ignored. `anony` and `language` are needed only by the filters that use them.
 */
export const battleRowSchema = z.object({
  model_a: z.string().min(1),
  model_b: z.string().min(1),
  winner: z.enum(['model_a', 'model_b', 'tie', 'tie (bothbad)']),
  anony: z.boolean().optional(),
  language: z.string().optional(),
});

export type BattleRow = z.input<typeof battleRowSchema>;

/**
 * Which rows to keep, as FastChat's `elo_analysis.py` filters them (in its order: languages,
 * excluded models, anonymity, ties). FastChat always keeps only anonymous battles; here
 * `anonyOnly` is off by default because battle files written by other tools have no `anony` field.
 */
export const readBattlesOptionsSchema = z
  .object({
    /** Keep only rows with `anony: true` (FastChat's leaderboard always does); rows must carry `anony`. */
    anonyOnly: z.boolean().default(false),
    /** Drop `tie` and `tie (bothbad)` rows (FastChat's `--exclude-tie`, default off). */
    excludeTies: z.boolean().default(false),
    /** Keep only rows whose `language` is listed (FastChat's `--langs`; empty, the default, keeps all). */
    langs: z.array(z.string().min(1)).default([]),
    /** Drop rows in which a listed model plays (FastChat's `--exclude-models`, default none). */
    excludeModels: z.array(z.string().min(1)).default([]),
    /** File name used in error locations. */
    file: z.string().min(1).default('<battles>'),
  })
  .strict();

export type ReadBattlesOptions = z.input<typeof readBattlesOptionsSchema>;

/** The battles kept, with how the file was read and how many rows each filter dropped. */
export type BattleReadResult = {
  readonly battles: Battle[];
  /** `json-array` for a file whose first non-blank character is `[`, else `jsonl`. */
  readonly format: 'json-array' | 'jsonl';
  /** Battle rows read, before filtering. */
  readonly rows: number;
  /** Rows dropped by each filter (a row counts under the first filter that drops it). */
  readonly dropped: {
    readonly language: number;
    readonly excludedModel: number;
    readonly notAnonymous: number;
    readonly tie: number;
  };
};

/** Incremental reader: `push` text chunks in order (any split), then `end` once. */
export type BattleReader = {
  push(chunk: string): void;
  end(): BattleReadResult;
};

const rowHint = `Each battle must be a JSON object {"model_a": string, "model_b": string, "winner": ${battleWinners
  .map((w) => `"${w}"`)
  .join(' | ')}}, one per line (JSONL) or as the elements of one JSON array`;

const space = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * A reader of battle files that never holds the whole text: JSON Lines are taken line by line and
 * a JSON array (FastChat's `clean_battle_*.json`, pretty-printed or not) element by element, each
 * parsed on its own. A byte-order mark at the start is skipped. Errors are `PrefplayError`s
 * (code `invalid-input`) naming the file and the line where the row starts.
 */
export function createBattleReader(options: ReadBattlesOptions = {}): BattleReader {
  const settings = parseOptions(readBattlesOptionsSchema, options, { what: 'readBattles options' });
  const { file } = settings;
  const langs = new Set(settings.langs);
  const excluded = new Set(settings.excludeModels);
  const names = new Map<string, string>();
  const battles: Battle[] = [];
  const dropped = { language: 0, excludedModel: 0, notAnonymous: 0, tie: 0 };
  let rows = 0;

  const fail = (line: number, problem: string, field?: string, hint = rowHint): PrefplayError =>
    new PrefplayError({
      code: 'invalid-input',
      problem,
      where: field !== undefined ? { file, line, field } : { file, line },
      hint,
    });

  const intern = (name: string): string => {
    const known = names.get(name);
    if (known !== undefined) return known;
    names.set(name, name);
    return name;
  };

  const accept = (value: unknown, line: number, what: string): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw fail(
        line,
        `${what} must be a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)?.slice(0, 80)}`,
      );
    }
    const raw = value as Record<string, unknown>;
    const { model_a: a, model_b: b, winner } = raw;
    const valid =
      typeof a === 'string' &&
      a.length > 0 &&
      typeof b === 'string' &&
      b.length > 0 &&
      (winner === 'model_a' || winner === 'model_b' || winner === 'tie' || winner === 'tie (bothbad)') &&
      (raw.anony === undefined || typeof raw.anony === 'boolean') &&
      (raw.language === undefined || typeof raw.language === 'string');
    if (!valid) {
      parseOptions(battleRowSchema, value, { what, file, line, code: 'invalid-input', hint: rowHint });
    }
    const modelA = a as string;
    const modelB = b as string;
    if (modelA === modelB) {
      throw fail(line, `${what} pits "${modelA}" against itself`, 'model_b', 'Drop self-battles before fitting');
    }
    rows++;
    if (langs.size > 0) {
      if (typeof raw.language !== 'string') {
        throw fail(
          line,
          `${what} has no "language" field, which the language filter (langs) needs`,
          'language',
          'Filter by language only on files that carry it (FastChat clean_battle files do)',
        );
      }
      if (!langs.has(raw.language)) {
        dropped.language++;
        return;
      }
    }
    if (excluded.size > 0 && (excluded.has(modelA) || excluded.has(modelB))) {
      dropped.excludedModel++;
      return;
    }
    if (settings.anonyOnly) {
      if (typeof raw.anony !== 'boolean') {
        throw fail(
          line,
          `${what} has no boolean "anony" field, which the anonymous-only filter (anonyOnly) needs`,
          'anony',
          'Keep only anonymous battles on files that carry "anony" (FastChat clean_battle files do)',
        );
      }
      if (!raw.anony) {
        dropped.notAnonymous++;
        return;
      }
    }
    if (settings.excludeTies && winner !== 'model_a' && winner !== 'model_b') {
      dropped.tie++;
      return;
    }
    battles.push({ modelA: intern(modelA), modelB: intern(modelB), winner: winner as BattleWinner });
  };

  const parseText = (text: string, line: number, what: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw fail(line, `${what} is not valid JSON (${(error as Error).message})`);
    }
  };

  // Shared state.
  let mode: 'start' | 'jsonl' | 'array' = 'start';
  let line = 1;
  let first = true;
  // JSONL: the unfinished last line.
  let partial = '';
  // JSON array: where the scanner is, relative to the top-level array.
  let state: 'first' | 'value' | 'element' | 'after' | 'done' = 'first';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element: string[] = [];
  let elementLine = 0;
  let elements = 0;
  let primitive = false;

  const takeLine = (text: string, at: number) => {
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (trimmed.trim().length === 0) return;
    accept(parseText(trimmed, at, 'battle row'), at, 'battle row');
  };

  const pushJsonl = (chunk: string) => {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf('\n', start);
      if (end < 0) {
        partial += chunk.slice(start);
        return;
      }
      const text = partial.length > 0 ? partial + chunk.slice(start, end) : chunk.slice(start, end);
      partial = '';
      takeLine(text, line);
      line++;
      start = end + 1;
    }
  };

  const finishElement = () => {
    const text = element.join('');
    element = [];
    elements++;
    const what = `battle ${elements}`;
    accept(parseText(text, elementLine, what), elementLine, what);
  };

  const pushArray = (chunk: string, from: number) => {
    let start = state === 'element' ? from : -1;
    for (let i = from; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (state === 'element') {
        if (inString) {
          // Jump to the closing quote: a quote ends the string when an even number of backslashes
          // precede it (counting one carried over from the previous chunk). Valid JSON strings
          // hold no raw line breaks, so no lines are skipped.
          const quote = chunk.indexOf('"', i);
          const stop = quote < 0 ? chunk.length : quote;
          let backslashes = 0;
          while (stop - backslashes - 1 >= i && chunk.charCodeAt(stop - backslashes - 1) === 0x5c) backslashes++;
          if (stop - backslashes === i && escaped) backslashes++;
          if (quote < 0) {
            escaped = backslashes % 2 === 1;
            break;
          }
          escaped = false;
          i = quote;
          if (backslashes % 2 === 0) inString = false;
          continue;
        }
        if (primitive) {
          // A bare value (number, true, null, ...) ends at a separator; JSON.parse judges it.
          if (c === 0x2c || c === 0x5d || space(c)) {
            element.push(chunk.slice(start, i));
            finishElement();
            state = 'after';
            i--;
          } else if (c === 0x22) inString = true;
          continue;
        }
        if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          depth--;
          if (depth === 0) {
            element.push(chunk.slice(start, i + 1));
            finishElement();
            state = 'after';
          }
        } else if (c === 0x0a) line++;
        continue;
      }
      if (c === 0x0a) {
        line++;
        continue;
      }
      if (space(c)) continue;
      if (state === 'done') {
        throw fail(line, 'there is text after the closing "]" of the battles array', undefined, rowHint);
      }
      if (state === 'after') {
        if (c === 0x2c) state = 'value';
        else if (c === 0x5d) state = 'done';
        else throw fail(line, `expected "," or "]" after battle ${elements}, got "${chunk[i]}"`);
        continue;
      }
      // state 'first' or 'value': an element starts here (or the array ends, right after "[").
      if (c === 0x5d) {
        if (state === 'first') {
          state = 'done';
          continue;
        }
        throw fail(line, `the battles array has a "," with no battle after it (after battle ${elements})`);
      }
      if (c === 0x2c) throw fail(line, `the battles array has an empty element after battle ${elements}`);
      state = 'element';
      elementLine = line;
      start = i;
      primitive = c !== 0x7b && c !== 0x5b;
      depth = primitive ? 0 : 1;
      inString = primitive && c === 0x22;
      escaped = false;
    }
    if (state === 'element' && start >= 0) element.push(chunk.slice(start));
  };

  return {
    push(chunk: string) {
      if (chunk.length === 0) return;
      let text = chunk;
      if (first) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      if (mode === 'start') {
        let i = 0;
        while (i < text.length && space(text.charCodeAt(i))) {
          if (text.charCodeAt(i) === 0x0a) line++;
          i++;
        }
        if (i === text.length) return;
        if (text.charCodeAt(i) === 0x5b) {
          mode = 'array';
          pushArray(text, i + 1);
        } else {
          mode = 'jsonl';
          pushJsonl(text.slice(i));
        }
        return;
      }
      if (mode === 'jsonl') pushJsonl(text);
      else pushArray(text, 0);
    },
    end(): BattleReadResult {
      if (mode === 'jsonl' && partial.length > 0) {
        takeLine(partial, line);
        partial = '';
      }
      if (mode === 'array') {
        if (state === 'element' && primitive && !inString) {
          finishElement();
          state = 'after';
        }
        if (state !== 'done') {
          throw fail(
            line,
            `the battles array is not closed (the file ends ${state === 'element' ? `inside battle ${elements + 1}, which starts at line ${elementLine}` : `after battle ${elements}`})`,
            undefined,
            'The file looks truncated: check that it was written completely',
          );
        }
      }
      return { battles, format: mode === 'array' ? 'json-array' : 'jsonl', rows, dropped: { ...dropped } };
    },
  };
}

/**
 * Reads battles from text chunks in order (e.g. a Node read stream with `encoding: 'utf8'`, or a
 * `fetch` body through `TextDecoderStream`), JSONL or one JSON array, filtered as `options` say.
 */
export async function readBattles(
  chunks: AsyncIterable<string> | Iterable<string>,
  options: ReadBattlesOptions = {},
): Promise<BattleReadResult> {
  const reader = createBattleReader(options);
  for await (const chunk of chunks) reader.push(chunk);
  return reader.end();
}

/** Parses a whole battles text (JSONL or one JSON array) and returns the battles kept. */
export function parseBattles(text: string, options: ReadBattlesOptions = {}): Battle[] {
  const reader = createBattleReader(options);
  reader.push(text);
  return reader.end().battles;
}
