import { parseOptions, type ResponseV1, type SemanticEncoderV1 } from '@prefplay/core';
import { z } from 'zod';

export const tfidfEncoderOptionsSchema = z.strictObject({
  /** Character n-gram length (default 3). */
  n: z.number().int().min(1).max(16).default(3),
  /** Texts to fit the document frequencies on; when absent, each call fits on its own batch. */
  corpus: z.array(z.string()).optional(),
  /** Use `1 + ln(tf)` instead of raw counts. */
  sublinearTf: z.boolean().default(false),
  /** Lower-case the text first. */
  lowercase: z.boolean().default(true),
  encoderId: z.string().min(1).default('tfidf'),
});

export type TfidfEncoderOptions = z.input<typeof tfidfEncoderOptionsSchema> & {
  /** How a response becomes text (default: its `text`, else its token ids joined by spaces). */
  readonly textOf?: (response: ResponseV1) => string;
};

/** Character n-grams of a text; a text shorter than `n` is its own single gram. */
export function characterNgrams(text: string, n: number): string[] {
  if (text.length === 0) return [];
  if (text.length < n) return [text];
  const out: string[] = [];
  for (let i = 0; i + n <= text.length; i++) out.push(text.slice(i, i + n));
  return out;
}

function counts(grams: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of grams) out.set(g, (out.get(g) ?? 0) + 1);
  return out;
}

/** Smoothed inverse document frequencies, `ln((1 + N)/(1 + df)) + 1` (scikit-learn's default). */
function fitIdf(documents: readonly Map<string, number>[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const doc of documents) for (const g of doc.keys()) df.set(g, (df.get(g) ?? 0) + 1);
  const idf = new Map<string, number>();
  const total = documents.length;
  for (const [g, d] of df) idf.set(g, Math.log((1 + total) / (1 + d)) + 1);
  return idf;
}

/**
 * A character n-gram TF-IDF encoder: `tf · idf` over the n-grams of each response's text,
 * L2-normalised, with smoothed idf fitted on `corpus` (n-grams unseen there are dropped) or on the
 * batch being encoded. Vectors span the batch's n-grams only, which leaves cosines unchanged.
 * An empty text maps to a vector of its own, orthogonal to every non-empty one.
 */
export function tfidfEncoder(options: TfidfEncoderOptions = {}): SemanticEncoderV1 {
  const { textOf, ...rest } = options;
  const parsed = parseOptions(tfidfEncoderOptionsSchema, rest, { what: 'tfidf encoder options' });
  const prepare = (text: string) => (parsed.lowercase ? text.toLowerCase() : text);
  const gramsOf = (text: string) => counts(characterNgrams(prepare(text), parsed.n));
  const fitted = parsed.corpus !== undefined ? fitIdf(parsed.corpus.map(gramsOf)) : undefined;
  const toText = textOf ?? ((r: ResponseV1) => r.text ?? r.tokens.join(' '));
  return {
    specificationVersion: 'v1',
    encoderId: parsed.encoderId,
    async doEncode({ responses }) {
      const documents = responses.map((r) => gramsOf(toText(r)));
      const idf = fitted ?? fitIdf(documents);
      const vocabulary = new Map<string, number>();
      for (const doc of documents) {
        for (const g of doc.keys()) if (idf.has(g) && !vocabulary.has(g)) vocabulary.set(g, vocabulary.size);
      }
      const emptyIndex = vocabulary.size;
      return documents.map((doc) => {
        const v = new Array<number>(emptyIndex + 1).fill(0);
        for (const [g, c] of doc) {
          const index = vocabulary.get(g);
          if (index === undefined) continue;
          const tf = parsed.sublinearTf ? 1 + Math.log(c) : c;
          v[index] = tf * (idf.get(g) as number);
        }
        const norm = Math.hypot(...v);
        if (norm === 0) {
          v[emptyIndex] = 1;
          return v;
        }
        return v.map((x) => x / norm);
      });
    },
  };
}
