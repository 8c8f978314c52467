import { PrefplayError, type PromptV1, type ResponseV1, type TokenIds } from '@prefplay/core';

/** The text of a prompt or response: its `text`, else `decode(tokens)`, else a located error. */
export function textOf(
  item: PromptV1 | ResponseV1,
  field: string,
  owner: string,
  decode: ((tokens: TokenIds) => string) | undefined,
): string {
  if (item.text !== undefined) return item.text;
  if (decode) return decode(item.tokens);
  throw new PrefplayError({
    code: 'invalid-input',
    problem: `${owner}: ${field} has no text`,
    where: { field: `${field}.text` },
    hint: 'Give prompts and responses a `text`, or pass `decode` to turn their tokens into text',
  });
}

/** `z.custom` check for an optional function option. */
export const isFunction = (value: unknown): boolean => typeof value === 'function';
