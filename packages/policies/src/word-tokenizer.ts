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
 * A word tokenizer: text splits into runs of letters/digits and single punctuation characters
 * (whitespace is dropped), vocabulary sorted after the special tokens `<bos>`=0, `<eos>`=1,
 * `<pad>`=2, `<unk>`=3. Decoding joins tokens with single spaces, except before `. , ! ? ; : ) ] } %`
 * and after `( [ {`.
 */
export function createWordTokenizer(corpus: readonly string[], options: TokenizerOptions = {}): Tokenizer {
  const parsed = parseOptions(tokenizerOptionsSchema, options, { what: 'word tokenizer options' });
  return fromTokens('word', buildVocabulary('word', checkCorpus(corpus, 'word tokenizer'), parsed), parsed.lowercase);
}
