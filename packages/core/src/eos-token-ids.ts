import { z } from 'zod';
import { PrefplayError, type PrefplayErrorCode } from './errors.js';

const tokenId = z.number().int().min(0);

/**
 * End-of-sequence tokens as an option gives them: one token id, or a non-empty list of ids (a
 * response ends at the first token of the set). Options schemas reuse it so the rule lives once.
 */
export const eosTokenIdsSchema = z.union([tokenId, z.array(tokenId).min(1).readonly()]);

/** One end-of-sequence token id or a non-empty list of them. */
export type EosTokenIds = z.input<typeof eosTokenIdsSchema>;

/** Where end-of-sequence ids come from, for `parseEosTokenIds`'s errors and range check. */
export type EosTokenIdsSource = {
  /** What holds the field, e.g. `token sampler options` or `generation_config.json`. */
  readonly what: string;
  /** The field, e.g. `eosTokenId` or `eos_token_id`. */
  readonly field: string;
  readonly file?: string;
  /** When given, every id must be below it. */
  readonly vocabSize?: number;
  /** Error code (default `invalid-options`). */
  readonly code?: PrefplayErrorCode;
  /** What to do about a bad value (a default hint otherwise). */
  readonly hint?: string;
};

/**
 * Reads end-of-sequence ids given as one id or a non-empty list of ids (an option, or a JSON value
 * such as Hugging Face's `eos_token_id`) into a list without repeats, in the order given.
 * `undefined` and `null` mean "none given" and return `undefined`. An empty list, an element that is
 * not a non-negative integer, or an id at or above `vocabSize` is a `PrefplayError` naming the file
 * and the field (with the element's index).
 */
export function parseEosTokenIds(value: unknown, source: EosTokenIdsSource): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  const fail = (problem: string, index?: number): never => {
    const field = index === undefined ? source.field : `${source.field}[${index}]`;
    throw new PrefplayError({
      code: source.code ?? 'invalid-options',
      problem: `invalid ${source.what}: ${problem}`,
      where: {
        ...(source.file !== undefined ? { file: source.file } : {}),
        field,
        fieldPath: index === undefined ? [source.field] : [source.field, index],
      },
      hint:
        source.hint ??
        `Give ${source.field} as one token id or a non-empty list of token ids${source.vocabSize !== undefined ? ` below ${source.vocabSize}` : ''}`,
    });
  };
  const list = Array.isArray(value);
  const values: readonly unknown[] = list ? value : [value];
  if (list && values.length === 0) fail(`${source.field} is an empty list; it must name at least one token`);
  const ids: number[] = [];
  values.forEach((id, i) => {
    const index = list ? i : undefined;
    const name = index === undefined ? source.field : `${source.field}[${index}]`;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      fail(`${name} is ${JSON.stringify(id)?.slice(0, 40)}, not a token id (a non-negative integer)`, index);
    }
    if (source.vocabSize !== undefined && (id as number) >= source.vocabSize) {
      fail(`${name} is ${id}, outside the vocabulary of ${source.vocabSize} tokens`, index);
    }
    if (!ids.includes(id as number)) ids.push(id as number);
  });
  return ids;
}
