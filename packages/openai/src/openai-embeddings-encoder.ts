import {
  createHttpClient,
  type EncodeOptionsV1,
  httpConnectionOf,
  httpConnectionOptionsSchema,
  PrefplayError,
  parseOptions,
  type SemanticEncoderV1,
  type TokenIds,
} from '@prefplay/core';
import { z } from 'zod';
import { createAbortFanout } from './abort-fanout.js';

export const openAIEmbeddingsEncoderOptionsSchema = httpConnectionOptionsSchema.extend({
  model: z.string().min(1),
  /** Inputs per request. */
  batchSize: z.number().int().min(1).max(2048).default(64),
  /** Passed as `dimensions` for models that can shorten their embeddings. */
  dimensions: z.number().int().min(1).optional(),
  /** Turns token ids into text for responses without `text`. */
  decode: z
    .custom<(tokens: TokenIds) => string>((v) => typeof v === 'function', { error: 'must be a function' })
    .optional(),
  /** Extra fields merged into every request body. */
  extraBody: z.record(z.string(), z.unknown()).optional(),
  encoderId: z.string().min(1).optional(),
});

export type OpenAIEmbeddingsEncoderOptions = z.input<typeof openAIEmbeddingsEncoderOptionsSchema>;

const embeddingsSchema = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()).min(1) })),
});

/**
 * A semantic encoder over an OpenAI-compatible `/embeddings` endpoint (vLLM, llama.cpp server,
 * Ollama, ...): responses are sent in batches of `batchSize`, answers are put back in input order by
 * their `index`, and every embedding is scaled to unit length.
 */
export function openAIEmbeddingsEncoder(input: OpenAIEmbeddingsEncoderOptions): SemanticEncoderV1 {
  const options = parseOptions(openAIEmbeddingsEncoderOptionsSchema, input, {
    what: 'openAIEmbeddingsEncoder options',
  });
  const client = createHttpClient(httpConnectionOf(options));
  const url = `${client.options.baseURL.replace(/\/+$/, '')}/embeddings`;

  const bad = (problem: string): PrefplayError =>
    new PrefplayError({
      code: 'http',
      problem: `POST ${url} ${problem}`,
      hint: 'Check that baseURL and model point at an embedding model of an OpenAI-compatible server',
    });

  const embedBatch = async (texts: readonly string[], signal: AbortSignal): Promise<number[][]> => {
    const body = {
      ...(options.extraBody ?? {}),
      model: options.model,
      input: texts,
      encoding_format: 'float',
      ...(options.dimensions !== undefined ? { dimensions: options.dimensions } : {}),
    };
    const raw = await client.postJson<unknown>('embeddings', body, { signal });
    const parsed = parseOptions(embeddingsSchema, raw, {
      what: `embeddings answer from ${client.options.baseURL}`,
      code: 'http',
      hint: 'The server did not answer in the OpenAI embeddings format; check baseURL and the server version',
    });
    if (parsed.data.length !== texts.length) {
      throw bad(`returned ${parsed.data.length} embeddings for ${texts.length} inputs`);
    }
    const out = new Array<number[] | undefined>(texts.length).fill(undefined);
    for (const item of parsed.data) {
      if (item.index >= texts.length || out[item.index] !== undefined) {
        throw bad(`returned a missing or repeated index ${item.index} for ${texts.length} inputs`);
      }
      const norm = Math.hypot(...item.embedding);
      if (!(norm > 0) || !Number.isFinite(norm)) {
        throw bad(`returned an embedding of norm ${norm} at index ${item.index}, which cannot be made unit length`);
      }
      out[item.index] = item.embedding.map((v) => v / norm);
    }
    return out as number[][];
  };

  return {
    specificationVersion: 'v1',
    encoderId: options.encoderId ?? `openai-embeddings:${options.model}`,
    async doEncode({ responses, signal }: EncodeOptionsV1): Promise<number[][]> {
      const texts = responses.map((response, i) => {
        if (response.text !== undefined) return response.text;
        if (options.decode) return options.decode(response.tokens);
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `openAIEmbeddingsEncoder: responses[${i}] has no text`,
          where: { field: `responses[${i}].text` },
          hint: 'Give responses a `text`, or pass `decode` to turn their tokens into text',
        });
      });
      if (texts.length === 0) return [];
      const fanout = createAbortFanout(signal);
      const batches: string[][] = [];
      for (let start = 0; start < texts.length; start += options.batchSize) {
        batches.push(texts.slice(start, start + options.batchSize));
      }
      try {
        const results = await Promise.all(
          batches.map(async (batch) => {
            const child = fanout.child();
            try {
              return await embedBatch(batch, child.signal);
            } finally {
              child.release();
            }
          }),
        );
        const embeddings = results.flat();
        const dimension = embeddings[0]?.length ?? 0;
        const odd = embeddings.findIndex((e) => e.length !== dimension);
        if (odd >= 0) {
          throw bad(`returned embeddings of different lengths (${dimension} and ${embeddings[odd]?.length})`);
        }
        return embeddings;
      } catch (error) {
        fanout.abort();
        throw error;
      } finally {
        fanout.dispose();
      }
    },
  };
}
