import { parseOptions } from '@prefplay/core';
import {
  buildVocabulary,
  checkCorpus,
  fromTokens,
  type Tokenizer,
  type TokenizerOptions,
  tokenizerOptionsSchema,
} from './tokenizer.js';

/**
 * A character tokenizer: one token per Unicode code point seen in `corpus`, sorted, after the special
 * tokens `<bos>`=0, `<eos>`=1, `<pad>`=2, `<unk>`=3. Unseen characters encode to `<unk>`.
 */
export function createCharTokenizer(corpus: readonly string[], options: TokenizerOptions = {}): Tokenizer {
  const parsed = parseOptions(tokenizerOptionsSchema, options, { what: 'char tokenizer options' });
  return fromTokens('char', buildVocabulary('char', checkCorpus(corpus, 'char tokenizer'), parsed), parsed.lowercase);
}
