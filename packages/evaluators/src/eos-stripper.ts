import { parseEosTokenIds, type TokenIds } from '@prefplay/core';

/**
 * A function that drops a sequence's final token when it is one of the end-of-sequence ids (one id
 * or a non-empty list; none given keeps every token). Bad ids are a `PrefplayError` naming `what`'s
 * `eosTokenId` field.
 */
export function eosStripper(
  eosTokenId: number | readonly number[] | undefined,
  what = 'meanLength options',
): (tokens: TokenIds) => TokenIds {
  const ids = new Set(parseEosTokenIds(eosTokenId, { what, field: 'eosTokenId' }) ?? []);
  return (tokens) => (tokens.length > 0 && ids.has(tokens[tokens.length - 1] as number) ? tokens.slice(0, -1) : tokens);
}
