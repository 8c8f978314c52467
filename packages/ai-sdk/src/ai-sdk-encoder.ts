import {
  type EncodeOptionsV1,
  PrefplayError,
  parseOptions,
  type SemanticEncoderV1,
  type TokenIds,
} from '@prefplay/core';
import { embedMany } from 'ai';
import { z } from 'zod';
import { createLimiter } from './create-limiter.js';
import { linkAbort } from './link-abort.js';
import { modelCallError } from './model-call-error.js';
import { describeModel, embeddingModelSchema, providerOptionsSchema } from './model-schemas.js';
import { isFunction, textOf } from './text-of.js';

/** `‖v‖₂` without overflow or underflow: entries are scaled by the largest magnitude first. */
function euclideanNorm(vector: readonly number[]): number {
  let scale = 0;
  for (const v of vector) scale = Math.max(scale, Math.abs(v));
  if (scale === 0) return 0;
  let sum = 0;
  for (const v of vector) sum += (v / scale) ** 2;
  return scale * Math.sqrt(sum);
}

export const aiSdkEncoderOptionsSchema = z
  .object({
    model: embeddingModelSchema,
    /**
     * Responses per `embedMany` call; the AI SDK splits a batch further when the model takes fewer
     * per request (`maxEmbeddingsPerCall`).
     */
    batchSize: z.number().int().min(1).max(100_000).default(64),
    /** `embedMany` calls in flight at once, over every `doEncode` of this encoder. */
    concurrency: z.number().int().min(1).max(1024).default(4),
    /** The AI SDK's own retries of retryable failures (`maxRetries` of `embedMany`). */
    maxRetries: z.number().int().min(0).max(20).default(2),
    /** Passed to every call, e.g. `{ openai: { dimensions: 256 } }`. */
    providerOptions: providerOptionsSchema.optional(),
    headers: z.record(z.string(), z.string()).optional(),
    /** Turns token ids into text for responses without `text`. */
    decode: z.custom<(tokens: TokenIds) => string>(isFunction, { error: 'must be a function' }).optional(),
    encoderId: z.string().min(1).optional(),
  })
  .strict();

export type AiSdkEncoderOptions = z.input<typeof aiSdkEncoderOptionsSchema>;

export type AiSdkEncoderStats = {
  /** `embedMany` calls made. */
  readonly calls: number;
  /** Embedding tokens, summed over calls that reported them. */
  readonly tokens: number;
};

export type AiSdkEncoder = SemanticEncoderV1 & { readonly stats: AiSdkEncoderStats };

/**
 * A semantic encoder over any AI SDK embedding model: responses go to `embedMany` in batches of
 * `batchSize`, every embedding is scaled to unit length, and a zero, non-finite or odd-length
 * embedding is an error naming the response. Retries are the AI SDK's own.
 */
export function aiSdkEncoder(input: AiSdkEncoderOptions): AiSdkEncoder {
  const options = parseOptions(aiSdkEncoderOptionsSchema, input, { what: 'aiSdkEncoder options' });
  const encoderId = options.encoderId ?? `ai-sdk-encoder:${describeModel(options.model)}`;
  const owner = `aiSdkEncoder "${encoderId}"`;
  const limiter = createLimiter(options.concurrency);
  const stats = { calls: 0, tokens: 0 };

  const bad = (index: number, text: string, problem: string): PrefplayError =>
    new PrefplayError({
      code: 'http',
      problem: `${owner}: the embedding of responses[${index}] (${JSON.stringify(text.slice(0, 60))}) ${problem}`,
      where: { field: `responses[${index}]` },
      hint: 'Check that the model is an embedding model and the response is not empty; a zero or non-finite vector cannot be made unit length',
    });

  const embedBatch = async (values: string[], signal: AbortSignal): Promise<number[][]> => {
    const result = await embedMany({
      model: options.model,
      values,
      maxParallelCalls: 1,
      maxRetries: options.maxRetries,
      abortSignal: signal,
      ...(options.providerOptions !== undefined ? { providerOptions: options.providerOptions } : {}),
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
    });
    stats.calls++;
    stats.tokens += result.usage?.tokens ?? 0;
    return result.embeddings;
  };

  return {
    specificationVersion: 'v1',
    encoderId,
    get stats() {
      return { ...stats };
    },
    async doEncode({ responses, signal }: EncodeOptionsV1): Promise<number[][]> {
      const texts = responses.map((r, i) => textOf(r, `responses[${i}]`, owner, options.decode));
      if (texts.length === 0) return [];
      if (signal?.aborted) throw signal.reason;
      const link = linkAbort(signal);
      const batches: string[][] = [];
      for (let start = 0; start < texts.length; start += options.batchSize) {
        batches.push(texts.slice(start, start + options.batchSize));
      }
      let embeddings: number[][];
      try {
        const results = await link.race(
          Promise.all(batches.map((batch) => limiter.run(() => embedBatch(batch, link.signal), link.signal))),
        );
        embeddings = results.flat();
      } catch (error) {
        link.abort();
        throw modelCallError({
          error,
          signal,
          owner,
          what: `embedding ${texts.length} responses`,
          maxRetries: options.maxRetries,
        });
      } finally {
        link.unlink();
      }
      if (embeddings.length !== texts.length) {
        throw new PrefplayError({
          code: 'http',
          problem: `${owner}: the model returned ${embeddings.length} embeddings for ${texts.length} responses`,
          hint: 'Check that the provider answers one embedding per input',
        });
      }
      const dimension = embeddings[0]?.length ?? 0;
      return embeddings.map((vector, i) => {
        const text = texts[i] as string;
        if (!Array.isArray(vector) || vector.length === 0 || vector.length !== dimension) {
          throw bad(
            i,
            text,
            `has length ${Array.isArray(vector) ? vector.length : 'none'} where responses[0]'s has ${dimension}`,
          );
        }
        const nonFinite = vector.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
        if (nonFinite >= 0) throw bad(i, text, `has the non-finite entry ${vector[nonFinite]} at index ${nonFinite}`);
        const norm = euclideanNorm(vector);
        if (!(norm > 0)) throw bad(i, text, 'is the zero vector');
        return vector.map((v) => v / norm);
      });
    },
  };
}
