import { PrefplayError, type PromptV1, type ResponseV1, type TokenIds } from '@prefplay/core';
import { parseResponseWords, type SyntheticMeaning } from './parse-response.js';
import { domainWords, topicGroups } from './vocabulary.js';

/** The part of a word tokenizer the domain reads (the `Tokenizer` of @prefplay/policies has it). */
export type DomainTokenizer = {
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly tokens: readonly string[];
  encode(text: string): number[];
};

/** Maps between the domain's words and a tokenizer's ids, and reads meaning from token ids. */
export type DomainCodec = {
  /** Id of each domain word. */
  readonly wordIds: ReadonlyMap<string, number>;
  /** Word ids of space-separated words (no BOS/EOS added). */
  encodeWords(text: string): number[];
  /** BOS followed by the words of `text`. */
  promptTokens(text: string): number[];
  /** The words of `text` followed by EOS. */
  responseTokens(text: string): number[];
  /** The words of a response, EOS and anything after it dropped. */
  responseText(tokens: TokenIds): string;
  meaningOf(response: ResponseV1): SyntheticMeaning;
  /** Topic group a prompt asks about; throws when the prompt names no topic. */
  topicOf(prompt: PromptV1): number;
};

export function createDomainCodec(tokenizer: DomainTokenizer): DomainCodec {
  const special = new Set([tokenizer.bosId, tokenizer.eosId]);
  const wordIds = new Map<string, number>();
  for (const word of domainWords()) {
    const ids = tokenizer.encode(word).filter((id) => !special.has(id));
    const id = ids[0];
    if (ids.length !== 1 || id === undefined || tokenizer.tokens[id] !== word) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `the tokenizer does not map the domain word "${word}" to one token of its own (got ids [${ids.join(', ')}])`,
        hint: 'Build the tokenizer with a word tokenizer over the domain vocabulary (domainWords())',
      });
    }
    wordIds.set(word, id);
  }
  const topicByTokenId = new Map<number, number>();
  topicGroups.forEach((group, index) => {
    const id = wordIds.get(group[0]);
    if (id !== undefined) topicByTokenId.set(id, index);
  });

  const encodeWords = (text: string): number[] =>
    text
      .split(' ')
      .filter((word) => word.length > 0)
      .map((word) => {
        const id = wordIds.get(word);
        if (id === undefined) {
          throw new PrefplayError({
            code: 'invalid-input',
            problem: `"${word}" is not a word of the synthetic domain`,
            hint: 'Use only words returned by domainWords()',
          });
        }
        return id;
      });

  const wordOf = (id: number): string => tokenizer.tokens[id] ?? `<${id}>`;

  return {
    wordIds,
    encodeWords,
    promptTokens: (text) => [tokenizer.bosId, ...encodeWords(text)],
    responseTokens: (text) => [...encodeWords(text), tokenizer.eosId],
    responseText(tokens) {
      const end = tokens.indexOf(tokenizer.eosId);
      return (end >= 0 ? tokens.slice(0, end) : tokens).map(wordOf).join(' ');
    },
    meaningOf(response) {
      const tokens = response.tokens;
      const end = tokens.indexOf(tokenizer.eosId);
      const words = (end >= 0 ? tokens.slice(0, end) : tokens).map(wordOf);
      if (end >= 0 && end !== tokens.length - 1) {
        return {
          ...parseResponseWords(words, { terminated: false, length: tokens.length }),
          terminated: false,
          problem: 'tokens follow EOS',
        };
      }
      return parseResponseWords(words, { terminated: end >= 0, length: tokens.length });
    },
    topicOf(prompt) {
      for (const id of prompt.tokens) {
        const topic = topicByTokenId.get(id);
        if (topic !== undefined) return topic;
      }
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `prompt "${prompt.id}" names no topic of the synthetic domain`,
        where: { field: 'prompt.tokens' },
        hint: `Use the task's prompts; a prompt must contain one of ${topicGroups.map((g) => g[0]).join(', ')}`,
      });
    },
  };
}
