import { PrefplayError, parseOptions } from '@prefplay/core';
import { z } from 'zod';

/** Special tokens, at the same ids in every prefplay tokenizer. */
export const specialTokens = Object.freeze({
  bos: { id: 0, token: '<bos>' },
  eos: { id: 1, token: '<eos>' },
  pad: { id: 2, token: '<pad>' },
  unk: { id: 3, token: '<unk>' },
});

const specialTokenStrings = ['<bos>', '<eos>', '<pad>', '<unk>'] as const;

export type TokenizerKind = 'char' | 'word';

export const tokenizerJsonSchema = z
  .object({
    format: z.literal('prefplay-tokenizer'),
    formatVersion: z.literal(1),
    kind: z.enum(['char', 'word']),
    /** Token strings by id; ids 0..3 are `<bos>`, `<eos>`, `<pad>`, `<unk>`. */
    tokens: z.array(z.string().min(1)).min(4),
    lowercase: z.boolean(),
  })
  .superRefine((value, context) => {
    specialTokenStrings.forEach((special, id) => {
      if (value.tokens[id] !== special) {
        context.addIssue({
          code: 'custom',
          path: ['tokens', id],
          message: `token ${id} must be the special token "${special}"`,
        });
      }
    });
    const seen = new Map<string, number>();
    value.tokens.forEach((token, id) => {
      const first = seen.get(token);
      if (first !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['tokens', id],
          message: `token "${token}" repeats token ${first}; each token string must appear once`,
        });
      }
      seen.set(token, id);
      if (value.kind === 'char' && id >= 4 && Array.from(token).length !== 1) {
        context.addIssue({
          code: 'custom',
          path: ['tokens', id],
          message: 'a char tokenizer token must be one character',
        });
      }
    });
  });

/** Plain-data form of a tokenizer, stored in checkpoints. */
export type TokenizerJSON = z.output<typeof tokenizerJsonSchema>;

export type EncodeOptions = {
  /** Prepend BOS (default false). */
  readonly addBos?: boolean;
  /** Append EOS (default false). */
  readonly addEos?: boolean;
};

export type DecodeOptions = {
  /** Drop BOS, EOS and PAD from the text (default true); UNK is always shown as `<unk>`. */
  readonly skipSpecialTokens?: boolean;
};

/** A reversible mapping between text and token ids with the special tokens at ids 0..3. */
export type Tokenizer = {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly unkId: number;
  /** Token strings by id. */
  readonly tokens: readonly string[];
  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** The id of one token string, or `unkId`. */
  tokenToId(token: string): number;
  toJSON(): TokenizerJSON;
};

export const tokenizerOptionsSchema = z.object({
  /** Lowercase text before building the vocabulary and before encoding (default false). */
  lowercase: z.boolean().default(false),
  /** Keep only tokens seen at least this many times in the corpus (default 1). */
  minCount: z.number().int().min(1).default(1),
  /** Largest vocabulary, special tokens included; the most frequent tokens are kept (default no limit). */
  maxSize: z.number().int().min(5).optional(),
});

export type TokenizerOptions = z.input<typeof tokenizerOptionsSchema>;

/** Word pieces: runs of letters, marks and digits, and every other non-space character alone. */
const wordPattern = /[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu;
/** No space is written before these tokens when decoding word tokens. */
const closing = new Set(['.', ',', '!', '?', ';', ':', ')', ']', '}', '%']);
/** No space is written after these tokens. */
const opening = new Set(['(', '[', '{']);

function splitText(kind: TokenizerKind, text: string): string[] {
  return kind === 'char' ? Array.from(text) : (text.match(wordPattern) ?? []);
}

/** The sorted vocabulary of a corpus, after the four special tokens. */
export function buildVocabulary(
  kind: TokenizerKind,
  corpus: readonly string[],
  options: z.output<typeof tokenizerOptionsSchema>,
): string[] {
  const counts = new Map<string, number>();
  for (const text of corpus) {
    for (const piece of splitText(kind, options.lowercase ? text.toLowerCase() : text)) {
      counts.set(piece, (counts.get(piece) ?? 0) + 1);
    }
  }
  for (const special of specialTokenStrings) counts.delete(special);
  let entries = [...counts.entries()].filter(([, count]) => count >= options.minCount);
  if (options.maxSize !== undefined && entries.length > options.maxSize - 4) {
    entries = entries
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, options.maxSize - 4);
  }
  const pieces = entries.map(([piece]) => piece).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...specialTokenStrings, ...pieces];
}

/** A tokenizer over a fixed list of token strings (special tokens at 0..3). */
export function fromTokens(kind: TokenizerKind, tokens: readonly string[], lowercase: boolean): Tokenizer {
  const ids = new Map<string, number>();
  tokens.forEach((token, id) => {
    ids.set(token, id);
  });
  const frozenTokens = Object.freeze(tokens.slice());
  const tokenToId = (token: string): number => {
    const id = ids.get(token);
    return id === undefined || id < 4 ? specialTokens.unk.id : id;
  };
  return {
    kind,
    vocabSize: tokens.length,
    bosId: specialTokens.bos.id,
    eosId: specialTokens.eos.id,
    padId: specialTokens.pad.id,
    unkId: specialTokens.unk.id,
    tokens: frozenTokens,
    tokenToId,
    encode(text: string, options: EncodeOptions = {}): number[] {
      const pieces = splitText(kind, lowercase ? text.toLowerCase() : text);
      const out = pieces.map(tokenToId);
      if (options.addBos) out.unshift(specialTokens.bos.id);
      if (options.addEos) out.push(specialTokens.eos.id);
      return out;
    },
    decode(idList: readonly number[], options: DecodeOptions = {}): string {
      const skip = options.skipSpecialTokens ?? true;
      const pieces: string[] = [];
      idList.forEach((id, position) => {
        const token = frozenTokens[id];
        if (!Number.isInteger(id) || token === undefined) {
          throw new PrefplayError({
            code: 'invalid-input',
            problem: `token id ${id} at position ${position} is outside the vocabulary of ${tokens.length}`,
            hint: 'Decode ids produced by this tokenizer or a model trained with it',
          });
        }
        if (skip && id <= specialTokens.pad.id) return;
        pieces.push(token);
      });
      if (kind === 'char') return pieces.join('');
      let text = '';
      pieces.forEach((piece, i) => {
        if (i > 0 && !closing.has(piece) && !opening.has(pieces[i - 1] as string)) text += ' ';
        text += piece;
      });
      return text;
    },
    toJSON(): TokenizerJSON {
      return { format: 'prefplay-tokenizer', formatVersion: 1, kind, tokens: frozenTokens.slice(), lowercase };
    },
  };
}

/** Throws unless `corpus` is an array of strings. */
export function checkCorpus(corpus: unknown, what: string): readonly string[] {
  if (!Array.isArray(corpus) || corpus.some((text) => typeof text !== 'string')) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `${what}: corpus must be an array of strings`,
      where: { field: 'corpus' },
      hint: 'Pass the texts to build the vocabulary from',
    });
  }
  return corpus as readonly string[];
}

/** Rebuilds a tokenizer from `toJSON()` output, validating it; `file` names the source in errors. */
export function tokenizerFromJSON(json: unknown, context: { readonly file?: string } = {}): Tokenizer {
  const parsed = parseOptions(tokenizerJsonSchema, json, {
    what: 'tokenizer JSON',
    code: 'invalid-input',
    ...(context.file !== undefined ? { file: context.file } : {}),
    hint: 'Pass the object written by tokenizer.toJSON() (format "prefplay-tokenizer", formatVersion 1)',
  });
  return fromTokens(parsed.kind, parsed.tokens, parsed.lowercase);
}
