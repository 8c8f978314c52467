import {
  createHttpClient,
  type FinishReason,
  httpConnectionOf,
  httpConnectionOptionsSchema,
  PrefplayError,
  type PromptV1,
  parseOptions,
  type SampleOptionsV1,
  type SamplerV1,
  type SampleV1,
  type TokenIds,
} from '@prefplay/core';
import { z } from 'zod';
import { createAbortFanout } from './abort-fanout.js';

export const openAISamplerOptionsSchema = httpConnectionOptionsSchema.extend({
  model: z.string().min(1),
  /** `completions` posts the prompt text to `/completions`; `chat` sends it as one user message to `/chat/completions`. */
  mode: z.enum(['completions', 'chat']).default('completions'),
  temperature: z.number().min(0).max(2).default(1),
  topP: z.number().gt(0).max(1).default(1),
  maxTokens: z.number().int().min(1).max(1_000_000).default(256),
  /** Stop sequences. */
  stop: z.array(z.string()).max(4).optional(),
  /**
   * How K samples are drawn: `n` asks once per prompt with `n: K` and `seed`; `repeat` asks K times
   * with `n: 1` and `seed + k` (for servers that ignore `n`, e.g. llama.cpp server).
   */
  nSupport: z.enum(['n', 'repeat']).default('n'),
  /** Ask for the sampled tokens' log-probs and record their sum as `logprob`. */
  logprobs: z.boolean().default(true),
  /** Turns a response's text into token ids; without it `tokens` is `[]`. */
  tokenize: z
    .custom<(text: string) => number[]>((v) => typeof v === 'function', { error: 'must be a function' })
    .optional(),
  /** Turns a prompt's tokens into text when the prompt has no `text`. */
  detokenize: z
    .custom<(tokens: TokenIds) => string>((v) => typeof v === 'function', { error: 'must be a function' })
    .optional(),
  /** Extra fields merged into every request body. */
  extraBody: z.record(z.string(), z.unknown()).optional(),
  timeoutMs: z.number().int().min(1).max(3_600_000).default(120_000),
  samplerId: z.string().min(1).optional(),
});

export type OpenAISamplerOptions = z.input<typeof openAISamplerOptionsSchema>;

const finishSchema = z.string().nullable().optional();
const completionsSchema = z.object({
  choices: z
    .array(
      z.object({
        index: z.number().int().min(0).optional(),
        text: z.string(),
        finish_reason: finishSchema,
        logprobs: z
          .object({ token_logprobs: z.array(z.number().nullable()).nullable().optional() })
          .nullable()
          .optional(),
      }),
    )
    .min(1),
});
const chatSchema = z.object({
  choices: z
    .array(
      z.object({
        index: z.number().int().min(0).optional(),
        message: z.object({ content: z.string().nullable().optional() }),
        finish_reason: finishSchema,
        logprobs: z
          .object({
            content: z
              .array(z.object({ logprob: z.number().nullable() }))
              .nullable()
              .optional(),
          })
          .nullable()
          .optional(),
      }),
    )
    .min(1),
});

type Choice = { index: number; text: string; finishReason: FinishReason; logprob: number | undefined };

/** `length` → `length`; `content_filter` → `error`; anything else (`stop`, `eos`, missing) → `stop`. */
export function mapFinishReason(reason: string | null | undefined): FinishReason {
  if (reason === 'length') return 'length';
  if (reason === 'content_filter') return 'error';
  return 'stop';
}

/**
 * The sum of the sampled tokens' log-probs; undefined when the server sent none. A `null` entry
 * (a token the server did not score) is an error naming the position: a partial sum would look like a
 * plausible log-probability and be wrong.
 */
export function sumLogprobs(
  values: readonly (number | null)[] | null | undefined,
  where: { readonly url: string; readonly choice: number },
): number | undefined {
  if (!values || values.length === 0) return undefined;
  let total = 0;
  for (let t = 0; t < values.length; t++) {
    const v = values[t];
    if (v === null || v === undefined) {
      throw new PrefplayError({
        code: 'http',
        problem: `POST ${where.url} returned a null log-prob for token ${t} of ${values.length} in choice ${where.choice}, so the response's log-probability is unknown`,
        hint: 'Pass logprobs: false to sample without recording log-probs, or use a server that scores every sampled token',
      });
    }
    total += v;
  }
  return total;
}

/**
 * A sampler that draws K responses per prompt from an OpenAI-compatible server (vLLM, llama.cpp
 * server, Ollama, ...) through `/completions` or `/chat/completions`. Each sample records its text,
 * `finishReason`, the seed sent, the settings and, when the server offers log-probs, `logprob` (the
 * sum of the sampled tokens' log-probs). `tokens` come from the optional `tokenize` (else `[]`): the
 * server's own token ids are not part of the OpenAI format.
 */
export function openAISampler(input: OpenAISamplerOptions): SamplerV1 {
  const options = parseOptions(openAISamplerOptionsSchema, input, { what: 'openAISampler options' });
  const client = createHttpClient(httpConnectionOf(options));
  const settings: Readonly<Record<string, unknown>> = Object.freeze({
    model: options.model,
    mode: options.mode,
    temperature: options.temperature,
    topP: options.topP,
    maxTokens: options.maxTokens,
    nSupport: options.nSupport,
    ...(options.stop !== undefined ? { stop: options.stop } : {}),
  });
  const path = options.mode === 'chat' ? 'chat/completions' : 'completions';

  const promptText = (prompt: PromptV1, index: number): string => {
    if (prompt.text !== undefined) return prompt.text;
    if (options.detokenize) return options.detokenize(prompt.tokens);
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `openAISampler: prompts[${index}] (id "${prompt.id}") has no text`,
      where: { field: `prompts[${index}].text` },
      hint: 'Give prompts a `text`, or pass `detokenize` to turn their tokens into text',
    });
  };

  const request = async (text: string, n: number, seed: number, signal: AbortSignal): Promise<Choice[]> => {
    const body: Record<string, unknown> = {
      ...(options.extraBody ?? {}),
      model: options.model,
      ...(options.mode === 'chat' ? { messages: [{ role: 'user', content: text }] } : { prompt: text }),
      max_tokens: options.maxTokens,
      temperature: options.temperature,
      top_p: options.topP,
      n,
      seed,
      ...(options.stop !== undefined ? { stop: options.stop } : {}),
      ...(options.logprobs ? (options.mode === 'chat' ? { logprobs: true } : { logprobs: 1 }) : {}),
    };
    const raw = await client.postJson<unknown>(path, body, { signal });
    const context = {
      what: `${options.mode === 'chat' ? 'chat completion' : 'completion'} answer from ${client.options.baseURL}`,
      code: 'http' as const,
      hint: `The server did not answer in the OpenAI ${path} format; check baseURL, mode and the server version`,
    };
    const url = `${client.options.baseURL}/${path}`;
    let choices: Choice[];
    if (options.mode === 'chat') {
      const parsed = parseOptions(chatSchema, raw, context);
      choices = parsed.choices.map((c, i) => ({
        index: c.index ?? i,
        text: c.message.content ?? '',
        finishReason: mapFinishReason(c.finish_reason),
        logprob: options.logprobs
          ? sumLogprobs(
              c.logprobs?.content?.map((t) => t.logprob),
              { url, choice: c.index ?? i },
            )
          : undefined,
      }));
    } else {
      const parsed = parseOptions(completionsSchema, raw, context);
      choices = parsed.choices.map((c, i) => ({
        index: c.index ?? i,
        text: c.text,
        finishReason: mapFinishReason(c.finish_reason),
        logprob: options.logprobs ? sumLogprobs(c.logprobs?.token_logprobs, { url, choice: c.index ?? i }) : undefined,
      }));
    }
    const seen = new Set<number>();
    for (const choice of choices) {
      if (choice.index >= n) {
        throw new PrefplayError({
          code: 'http',
          problem: `POST ${url} returned choice index ${choice.index} where n = ${n} were asked (indices 0 to ${n - 1})`,
          hint: 'Check that the server is OpenAI-compatible',
        });
      }
      if (seen.has(choice.index)) {
        throw new PrefplayError({
          code: 'http',
          problem: `POST ${url} returned choice index ${choice.index} twice, so the samples cannot be told apart`,
          hint: "Check that the server is OpenAI-compatible; with a server that mishandles `n`, pass nSupport: 'repeat'",
        });
      }
      seen.add(choice.index);
    }
    choices.sort((a, b) => a.index - b.index);
    if (choices.length !== n) {
      throw new PrefplayError({
        code: 'http',
        problem: `POST ${client.options.baseURL}/${path} returned ${choices.length} choices where n = ${n} were asked`,
        hint:
          n > 1
            ? "The server ignores `n`: pass nSupport: 'repeat' to ask once per sample"
            : 'Check that the server is OpenAI-compatible',
      });
    }
    return choices;
  };

  return {
    specificationVersion: 'v1',
    samplerId: options.samplerId ?? `openai-sampler:${options.model}`,
    async doSample({ prompts, samplesPerPrompt, seed, signal }: SampleOptionsV1): Promise<SampleV1[][]> {
      if (!Number.isInteger(samplesPerPrompt) || samplesPerPrompt < 1) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `openAISampler: samplesPerPrompt must be a positive integer, got ${samplesPerPrompt}`,
          where: { field: 'samplesPerPrompt' },
          hint: 'Pass K ≥ 1',
        });
      }
      if (!Number.isSafeInteger(seed)) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `openAISampler: seed must be an integer, got ${seed}`,
          where: { field: 'seed' },
          hint: 'Pass an integer seed',
        });
      }
      const texts = prompts.map(promptText);
      const fanout = createAbortFanout(signal);
      const ask = async (text: string, n: number, requestSeed: number): Promise<Choice[]> => {
        const child = fanout.child();
        try {
          return await request(text, n, requestSeed, child.signal);
        } finally {
          child.release();
        }
      };
      const k = samplesPerPrompt;
      const toSample = (choice: Choice, sampleSeed: number): SampleV1 => ({
        tokens: options.tokenize ? options.tokenize(choice.text) : [],
        text: choice.text,
        finishReason: choice.finishReason,
        seed: sampleSeed,
        settings,
        ...(choice.logprob !== undefined ? { logprob: choice.logprob } : {}),
      });
      try {
        return await Promise.all(
          texts.map(async (text) => {
            if (options.nSupport === 'n') {
              const choices = await ask(text, k, seed);
              return choices.map((c) => toSample(c, seed));
            }
            return Promise.all(
              Array.from({ length: k }, async (_, j) => {
                const [choice] = await ask(text, 1, seed + j);
                return toSample(choice as Choice, seed + j);
              }),
            );
          }),
        );
      } catch (error) {
        fanout.abort();
        throw error;
      } finally {
        fanout.dispose();
      }
    },
  };
}
