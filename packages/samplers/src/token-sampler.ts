import {
  createRng,
  type DecoderV1,
  type DecodingSessionV1,
  eosTokenIdsSchema,
  type FinishReason,
  PrefplayError,
  parseEosTokenIds,
  parseOptions,
  type SampleOptionsV1,
  type SamplerV1,
  type SampleV1,
  type TokenIds,
} from '@prefplay/core';
import { z } from 'zod';
import { sampleFromLogits } from './sample-from-logits.js';
import { specSchema } from './spec-schema.js';

const decoderSchema = specSchema<DecoderV1>('DecoderV1', 'doBeginDecoding');

export const tokenSamplerOptionsSchema = z.object({
  decoder: decoderSchema,
  /** Divides the logits; 0 is greedy decoding. */
  temperature: z.number().min(0).max(100).default(1),
  /** Keep only the k most likely tokens. */
  topK: z.number().int().min(1).optional(),
  /** Nucleus sampling: keep the smallest set of most likely tokens with total probability ≥ topP. */
  topP: z.number().gt(0).max(1).default(1),
  /** Most tokens generated per response (also capped by the decoder's maxSequenceLength). */
  maxNewTokens: z.number().int().min(1),
  /**
   * End-of-sequence token, or a non-empty list of them (a response ends at the first token of the
   * set); defaults to the decoder's `eosTokenIds`, else its `eosTokenId`.
   */
  eosTokenId: eosTokenIdsSchema.optional(),
  /** Stop a response at its first EOS (any of the set), which is kept as its last token (default true). */
  stopAtEos: z.boolean().default(true),
  /** Let the decoder keep a key/value cache (default true); samples are the same either way. */
  useCache: z.boolean().default(true),
  /** Rows (prompt × sample) decoded together (default 32); samples do not depend on it. */
  batchSize: z.number().int().min(1).default(32),
  /** Turns response tokens into `text`. */
  decode: z.custom<(tokens: readonly number[]) => string>((value) => typeof value === 'function').optional(),
  samplerId: z.string().min(1).default('token-sampler'),
});

export type TokenSamplerOptions = z.input<typeof tokenSamplerOptionsSchema>;

/** The settings every sample of a token sampler records. */
export type TokenSamplerSettings = {
  readonly temperature: number;
  readonly topK: number | null;
  readonly topP: number;
  readonly maxNewTokens: number;
  /** The first end-of-sequence token (null when there is none). */
  readonly eosTokenId: number | null;
  /** Every token that ends a response, `eosTokenId` first (empty when there is none). */
  readonly eosTokenIds: readonly number[];
  readonly stopAtEos: boolean;
};

type Row = {
  readonly promptIndex: number;
  readonly sampleIndex: number;
  readonly prompt: TokenIds;
  readonly rng: ReturnType<typeof createRng>;
  /** Most new tokens for this row (maxNewTokens, capped by the context length). */
  readonly limit: number;
  readonly tokens: number[];
  logprob: number;
  finishReason: FinishReason | undefined;
};

/** Label of the random stream of sample `k` of prompt `i`, forked from `createRng(seed)`. */
export function sampleStreamLabel(promptIndex: number, sampleIndex: number): string {
  return `prompt ${promptIndex} sample ${sampleIndex}`;
}

/**
 * Autoregressive sampling from a `DecoderV1` with temperature, top-k and top-p (applied in that
 * order), K samples per prompt. Rows are decoded in batches of `batchSize`; each row draws from its
 * own random stream `createRng(seed).fork(sampleStreamLabel(i, k))`, so samples depend only on the
 * seed, the prompts and the settings, never on the batch size or on the cache. A row stops at the
 * first token of its end-of-sequence set (kept as its last token) or at `maxNewTokens`.
 */
export function createTokenSampler(
  options: TokenSamplerOptions,
): SamplerV1 & { readonly settings: TokenSamplerSettings } {
  const parsed = parseOptions(tokenSamplerOptionsSchema, options, { what: 'token sampler options' });
  const { decoder } = parsed;
  const eosTokenIds =
    parsed.eosTokenId !== undefined
      ? parseEosTokenIds(parsed.eosTokenId, {
          what: 'token sampler options',
          field: 'eosTokenId',
          vocabSize: decoder.vocabSize,
          hint: `Pass the tokenizer’s end-of-sequence ids (below the decoder's vocabulary of ${decoder.vocabSize})`,
        })
      : parseEosTokenIds(decoder.eosTokenIds ?? decoder.eosTokenId, {
          what: 'decoder',
          field: decoder.eosTokenIds !== undefined ? 'decoder.eosTokenIds' : 'decoder.eosTokenId',
          vocabSize: decoder.vocabSize,
          hint: 'The decoder reports end-of-sequence ids outside its vocabulary; fix it or pass eosTokenId',
        });
  const stopTokenIds: readonly number[] = Object.freeze(eosTokenIds ?? []);
  if (parsed.topK !== undefined && parsed.topK > decoder.vocabSize) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `invalid token sampler options: topK ${parsed.topK} exceeds the vocabulary size ${decoder.vocabSize}`,
      where: { field: 'topK' },
      hint: `Use a topK between 1 and ${decoder.vocabSize}, or leave it out`,
    });
  }
  const settings: TokenSamplerSettings = Object.freeze({
    temperature: parsed.temperature,
    topK: parsed.topK ?? null,
    topP: parsed.topP,
    maxNewTokens: parsed.maxNewTokens,
    eosTokenId: stopTokenIds[0] ?? null,
    eosTokenIds: stopTokenIds,
    stopAtEos: parsed.stopAtEos,
  });
  const processing = { temperature: parsed.temperature, topK: parsed.topK, topP: parsed.topP };
  const stopTokens = new Set(parsed.stopAtEos ? stopTokenIds : []);
  // Finished rows are fed a token they never read, so the session keeps one token per row.
  const filler = stopTokenIds[0] ?? 0;

  const decodeRows = (rows: Row[], signal: AbortSignal | undefined): void => {
    let active = rows.filter((r) => r.finishReason === undefined);
    while (active.length > 0) {
      // A session over the unfinished rows; it is rebuilt (from prompt + tokens so far) only when a
      // finished row would outgrow the context.
      const members = active;
      const lengths = members.map((r) => r.prompt.length + r.tokens.length);
      const session: DecodingSessionV1 = decoder.doBeginDecoding({
        prompts: members.map((r) => [...r.prompt, ...r.tokens]),
        useCache: parsed.useCache,
      });
      try {
        for (;;) {
          signal?.throwIfAborted();
          const logits = session.doNextLogits();
          let values: Float32Array;
          try {
            if (logits.shape[0] !== members.length || logits.shape[1] !== decoder.vocabSize) {
              throw new PrefplayError({
                code: 'invalid-input',
                problem: `decoder returned logits of shape [${logits.shape}] for ${members.length} rows and vocabulary ${decoder.vocabSize}`,
                hint: 'The decoder must return [batch, vocabSize] logits',
              });
            }
            values = Float32Array.from(logits.dataSync() as Float32Array);
          } finally {
            logits.dispose();
          }
          const appended = new Array<number>(members.length);
          const vocab = decoder.vocabSize;
          members.forEach((row, b) => {
            if (row.finishReason !== undefined) {
              appended[b] = filler;
              return;
            }
            const drawn = sampleFromLogits(values.subarray(b * vocab, (b + 1) * vocab), processing, row.rng);
            row.tokens.push(drawn.token);
            row.logprob += drawn.logprob;
            appended[b] = drawn.token;
            if (stopTokens.has(drawn.token)) row.finishReason = 'stop';
            else if (row.tokens.length >= row.limit) row.finishReason = 'length';
          });
          lengths.forEach((_, b) => {
            lengths[b] = (lengths[b] as number) + 1;
          });
          if (members.every((r) => r.finishReason !== undefined)) break;
          if (lengths.some((length) => length > decoder.maxSequenceLength)) {
            // Only a finished row can be this long; restart without the finished rows.
            break;
          }
          session.doAppend(appended);
        }
      } finally {
        session.dispose();
      }
      active = active.filter((r) => r.finishReason === undefined);
    }
  };

  return {
    specificationVersion: 'v1',
    samplerId: parsed.samplerId,
    settings,
    async doSample(sampleOptions: SampleOptionsV1): Promise<SampleV1[][]> {
      const { prompts, samplesPerPrompt, seed, signal } = sampleOptions;
      if (!(Number.isInteger(samplesPerPrompt) && samplesPerPrompt >= 1)) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `samplesPerPrompt must be a positive integer, got ${samplesPerPrompt}`,
          where: { field: 'samplesPerPrompt' },
          hint: 'Ask for at least one sample per prompt',
        });
      }
      if (!Number.isFinite(seed)) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `seed must be a finite number, got ${seed}`,
          where: { field: 'seed' },
          hint: 'Pass an integer seed',
        });
      }
      prompts.forEach((prompt, i) => {
        const field = `prompts[${i}].tokens`;
        if (prompt.tokens.length === 0) {
          throw new PrefplayError({
            code: 'invalid-input',
            problem: `prompt "${prompt.id}" has no tokens`,
            where: { field },
            hint: 'A prompt starts with the tokenizer’s BOS id',
          });
        }
        if (prompt.tokens.length >= decoder.maxSequenceLength) {
          throw new PrefplayError({
            code: 'invalid-input',
            problem: `prompt "${prompt.id}" has ${prompt.tokens.length} tokens, leaving no room in the decoder's context of ${decoder.maxSequenceLength}`,
            where: { field },
            hint: 'Shorten the prompt or use a model with a longer maxSequenceLength',
          });
        }
        prompt.tokens.forEach((token, t) => {
          if (!(Number.isInteger(token) && token >= 0 && token < decoder.vocabSize)) {
            throw new PrefplayError({
              code: 'invalid-input',
              problem: `prompt "${prompt.id}" token ${t} is ${token}, outside the vocabulary of ${decoder.vocabSize}`,
              where: { field: `${field}[${t}]` },
              hint: 'Encode prompts with the tokenizer the model was trained with',
            });
          }
        });
      });
      signal?.throwIfAborted();
      const root = createRng(seed);
      const rows: Row[] = [];
      prompts.forEach((prompt, promptIndex) => {
        for (let sampleIndex = 0; sampleIndex < samplesPerPrompt; sampleIndex++) {
          rows.push({
            promptIndex,
            sampleIndex,
            prompt: prompt.tokens,
            rng: root.fork(sampleStreamLabel(promptIndex, sampleIndex)),
            limit: Math.min(parsed.maxNewTokens, decoder.maxSequenceLength - prompt.tokens.length),
            tokens: [],
            logprob: 0,
            finishReason: undefined,
          });
        }
      });
      for (let start = 0; start < rows.length; start += parsed.batchSize) {
        decodeRows(rows.slice(start, start + parsed.batchSize), signal);
        // Let other work (and abort signals) through between batches; setTimeout, unlike Node's
        // setImmediate, exists in browsers and workers too.
        if (start + parsed.batchSize < rows.length) await new Promise<void>((resolve) => setTimeout(resolve, 0));
      }
      const out: SampleV1[][] = prompts.map(() => []);
      for (const row of rows) {
        const tokens = row.tokens;
        const sample: SampleV1 = {
          tokens,
          ...(parsed.decode ? { text: parsed.decode(tokens) } : {}),
          finishReason: row.finishReason ?? 'length',
          seed,
          settings,
          logprob: row.logprob,
        };
        (out[row.promptIndex] as SampleV1[]).push(sample);
      }
      return out;
    },
  };
}
