/**
 * The fixed vocabulary of the synthetic instruction domain. Every word belongs to exactly one role;
 * content words come in synonym groups, and a group (not a word) is a unit of meaning.
 */

/** Topics a prompt can ask about: the canonical word (used in prompts) first, then its synonyms. */
export const topicGroups = [
  ['cats', 'kittens'],
  ['dogs', 'puppies'],
  ['rivers', 'streams'],
  ['songs', 'tunes'],
  ['cities', 'towns'],
  ['books', 'novels'],
] as const;

/** Linking verbs: required by the grammar, carry no meaning. */
export const copulaWords = ['are', 'seem'] as const;

/** The quality a claim asserts; three groups of three synonyms. */
export const qualityGroups = [
  ['calm', 'quiet', 'peaceful'],
  ['bright', 'vivid', 'lively'],
  ['strong', 'sturdy', 'tough'],
] as const;

/** The circumstance a claim qualifies; three groups of two synonyms. */
export const contextGroups = [
  ['today', 'lately'],
  ['outside', 'outdoors'],
  ['together', 'jointly'],
] as const;

/** Meaning-free "pleasing" words that a verbosity-biased judge over-rewards. */
export const fillerWords = ['really', 'truly', 'indeed', 'very', 'so', 'great', 'please', 'honestly'] as const;

/** The word that closes every well-formed response (followed by EOS). */
export const stopWord = '.';

/**
 * Prompt phrasings; `{topic}` is replaced by a topic's canonical word. A prompt is BOS followed by
 * these words.
 */
export const promptTemplates = [
  'tell me about {topic} .',
  'describe {topic} .',
  'what about {topic} ?',
  'say something on {topic} .',
  'talk about {topic} .',
  'any thoughts on {topic} ?',
] as const;

/** Every word of the domain, in a fixed order (prompt words, content words, fillers). */
export function domainWords(): string[] {
  const words: string[] = [];
  const add = (word: string): void => {
    if (!words.includes(word)) words.push(word);
  };
  for (const template of promptTemplates) {
    for (const word of template.split(' ')) if (word !== '{topic}') add(word);
  }
  for (const group of topicGroups) for (const word of group) add(word);
  for (const word of copulaWords) add(word);
  for (const group of qualityGroups) for (const word of group) add(word);
  for (const group of contextGroups) for (const word of group) add(word);
  for (const word of fillerWords) add(word);
  add(stopWord);
  return words;
}

/** Role of a response word. */
export type WordRole =
  | { readonly role: 'topic'; readonly group: number }
  | { readonly role: 'copula' }
  | { readonly role: 'quality'; readonly group: number }
  | { readonly role: 'context'; readonly group: number }
  | { readonly role: 'filler' }
  | { readonly role: 'stop' }
  | { readonly role: 'other' };

const roleTable: ReadonlyMap<string, WordRole> = (() => {
  const table = new Map<string, WordRole>();
  topicGroups.forEach((group, index) => {
    for (const word of group) table.set(word, { role: 'topic', group: index });
  });
  for (const word of copulaWords) table.set(word, { role: 'copula' });
  qualityGroups.forEach((group, index) => {
    for (const word of group) table.set(word, { role: 'quality', group: index });
  });
  contextGroups.forEach((group, index) => {
    for (const word of group) table.set(word, { role: 'context', group: index });
  });
  for (const word of fillerWords) table.set(word, { role: 'filler' });
  table.set(stopWord, { role: 'stop' });
  return table;
})();

/** The role of a word inside a response (prompt-only words and unknown words are `other`). */
export function roleOf(word: string): WordRole {
  return roleTable.get(word) ?? { role: 'other' };
}

export const numTopics = topicGroups.length;
export const numQualities = qualityGroups.length;
export const numContexts = contextGroups.length;
/** Distinct claims per topic: quality × context. */
export const claimsPerTopic = numQualities * numContexts;
