import { setMaxListeners } from 'node:events';
import {
  createHttpClient,
  httpConnectionOf,
  httpConnectionOptionsSchema,
  type PreferenceMatrix,
  type PreferenceOracleV1,
  PrefplayError,
  type PromptV1,
  parseOptions,
  type ResponseV1,
  type TokenIds,
} from '@prefplay/core';
import { z } from 'zod';

const defaultSystemPrompt =
  'You are an impartial judge. You compare two responses to the same prompt and decide which one is better. ' +
  'Answer with a single letter: A or B.';

const defaultUserTemplate =
  'Prompt:\n{prompt}\n\nResponse A:\n{responseA}\n\nResponse B:\n{responseB}\n\n' +
  'Which response is better? Answer with exactly one letter, A or B.';

const openAIJudgeOptionsSchema = httpConnectionOptionsSchema.extend({
  model: z.string().min(1),
  /** System message; `null` sends none. */
  systemPrompt: z.string().nullable().default(defaultSystemPrompt),
  /** User message with the placeholders `{prompt}`, `{responseA}` and `{responseB}`. */
  userTemplate: z
    .string()
    .refine((t) => t.includes('{responseA}') && t.includes('{responseB}'), {
      error: 'must contain the placeholders {responseA} and {responseB}',
    })
    .default(defaultUserTemplate),
  temperature: z.number().min(0).max(2).default(0),
  /** Tokens the judge may write; the first is the one whose log-probs are read. */
  maxTokens: z.number().int().min(1).max(4096).default(8),
  /** Ask for log-probs (`logprobs: true, top_logprobs`); turn off for servers that reject them. */
  logprobs: z.boolean().default(true),
  topLogprobs: z.number().int().min(2).max(20).default(5),
  /** Passed as `seed` on every request. */
  seed: z.number().int().optional(),
  /** Turns token ids into text for prompts and responses without `text`. */
  decode: z
    .custom<(tokens: TokenIds) => string>((v) => typeof v === 'function', { error: 'must be a function' })
    .optional(),
  /** Extra fields merged into every request body (e.g. vLLM's `chat_template_kwargs`). */
  extraBody: z.record(z.string(), z.unknown()).optional(),
  oracleId: z.string().min(1).optional(),
});

export type OpenAIJudgeOptions = z.input<typeof openAIJudgeOptionsSchema>;

/** How the judge's answers were read, accumulated over the judge's life. */
export type OpenAIJudgeStats = {
  /** Ordered comparisons asked (two per unordered pair). */
  readonly queries: number;
  /** Answers read from the top log-probs of the choice token. */
  readonly logprobAnswers: number;
  /** Answers read from the text (log-probs absent or without A/B): A → 1, B → 0. */
  readonly textAnswers: number;
  /** Answers that were a tie or unreadable, counted as 1/2. */
  readonly undecidedAnswers: number;
};

export type OpenAIJudge = PreferenceOracleV1 & {
  /** Counts so far; `textAnswers + undecidedAnswers` are the fallbacks from log-probs. */
  readonly stats: OpenAIJudgeStats;
};

const topLogprobSchema = z.object({ token: z.string(), logprob: z.number() });
const chatResponseSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable().optional() }),
        logprobs: z
          .object({
            content: z
              .array(
                z.object({
                  token: z.string(),
                  logprob: z.number(),
                  top_logprobs: z.array(topLogprobSchema).nullable().optional(),
                }),
              )
              .nullable()
              .optional(),
          })
          .nullable()
          .optional(),
      }),
    )
    .min(1),
});

type ChatResponse = z.output<typeof chatResponseSchema>;

function choiceLabel(token: string): 'A' | 'B' | undefined {
  const bare = token
    .trim()
    .replace(/^[\s*"'`([{]+|[\s*"'`)\]}.:,]+$/g, '')
    .toUpperCase();
  return bare === 'A' || bare === 'B' ? bare : undefined;
}

function logSumExp(values: readonly number[]): number {
  const max = Math.max(...values);
  if (max === Number.NEGATIVE_INFINITY) return max;
  return max + Math.log(values.reduce((s, v) => s + Math.exp(v - max), 0));
}

/**
 * P(A) from the top log-probs at the first non-blank generated token: variants of "A" and "B"
 * (whitespace, case, brackets) are pooled; a label missing from the list counts as probability 0.
 * Undefined when there are no log-probs or neither label is listed.
 */
export function probabilityFromLogprobs(response: ChatResponse): number | undefined {
  const positions = response.choices[0]?.logprobs?.content;
  if (!positions || positions.length === 0) return undefined;
  const position = positions.find((p) => p.token.trim() !== '') ?? positions[0];
  if (!position) return undefined;
  const candidates = position.top_logprobs && position.top_logprobs.length > 0 ? position.top_logprobs : [position];
  const a: number[] = [];
  const b: number[] = [];
  const seen = new Set<string>();
  for (const entry of candidates) {
    if (seen.has(entry.token)) continue;
    seen.add(entry.token);
    const label = choiceLabel(entry.token);
    if (label === 'A') a.push(entry.logprob);
    else if (label === 'B') b.push(entry.logprob);
  }
  if (a.length === 0 && b.length === 0) return undefined;
  const lpA = a.length > 0 ? logSumExp(a) : Number.NEGATIVE_INFINITY;
  const lpB = b.length > 0 ? logSumExp(b) : Number.NEGATIVE_INFINITY;
  const m = Math.max(lpA, lpB);
  const ea = Math.exp(lpA - m);
  const eb = Math.exp(lpB - m);
  return ea / (ea + eb);
}

/** 1 for an answer of A, 0 for B, undefined for a tie or an unreadable answer. */
export function probabilityFromText(content: string): number | undefined {
  const text = content.trim();
  const single = /^[\s*"'`([{]*([AaBb])[\s*"'`)\]}.:,!]*$/.exec(text);
  if (single?.[1]) return single[1].toUpperCase() === 'A' ? 1 : 0;
  const leading = /^[\s*"'`([{]*([AB])(?![A-Za-z])/.exec(text);
  if (leading?.[1]) return leading[1] === 'A' ? 1 : 0;
  const named = [
    ...text.matchAll(/\b(?:response|answer|output|assistant|option)\s*[:-]?\s*\(?([AB])\)?(?![A-Za-z])/gi),
  ];
  const labels = new Set(named.map((m) => (m[1] ?? '').toUpperCase()));
  if (labels.size === 1) return labels.has('A') ? 1 : 0;
  return undefined;
}

/**
 * A preference oracle that asks an OpenAI-compatible chat endpoint (vLLM, llama.cpp server,
 * Ollama, ...) which of two responses is better. For every pair it asks both orders and
 * symmetrises, `M_ij = (P(i first) + 1 − P(j first, i second)) / 2`, which removes a constant
 * position bias; the result is constant-sum with diagonal 1/2. `P(first)` is read from the top
 * log-probs of the choice token, `e^{lpA}/(e^{lpA}+e^{lpB})`, or from the answer text when the server
 * gives no log-probs (A → 1, B → 0, otherwise 1/2; see `stats`).
 */
export function openAIJudge(input: OpenAIJudgeOptions): OpenAIJudge {
  const options = parseOptions(openAIJudgeOptionsSchema, input, { what: 'openAIJudge options' });
  const client = createHttpClient(httpConnectionOf(options));
  const stats = { queries: 0, logprobAnswers: 0, textAnswers: 0, undecidedAnswers: 0 };

  const textOf = (item: PromptV1 | ResponseV1, what: string): string => {
    if (item.text !== undefined) return item.text;
    if (options.decode) return options.decode(item.tokens);
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `openAIJudge: ${what} has no text`,
      where: { field: `${what}.text` },
      hint: 'Give prompts and responses a `text`, or pass `decode` to turn their tokens into text',
    });
  };

  const render = (prompt: string, first: string, second: string): string =>
    options.userTemplate.replace(/\{(prompt|responseA|responseB)\}/g, (_, name: string) =>
      name === 'prompt' ? prompt : name === 'responseA' ? first : second,
    );

  const ask = async (prompt: string, first: string, second: string, signal: AbortSignal): Promise<number> => {
    const messages = [
      ...(options.systemPrompt !== null ? [{ role: 'system', content: options.systemPrompt }] : []),
      { role: 'user', content: render(prompt, first, second) },
    ];
    const body = {
      ...(options.extraBody ?? {}),
      model: options.model,
      messages,
      temperature: options.temperature,
      max_tokens: options.maxTokens,
      ...(options.logprobs ? { logprobs: true, top_logprobs: options.topLogprobs } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    };
    const raw = await client.postJson<unknown>('chat/completions', body, { signal });
    const response = parseOptions(chatResponseSchema, raw, {
      what: `chat completion answer from ${client.options.baseURL}`,
      code: 'http',
      hint: 'The server did not answer in the OpenAI chat completion format; check baseURL and the server version',
    });
    stats.queries++;
    const fromLogprobs = probabilityFromLogprobs(response);
    if (fromLogprobs !== undefined) {
      stats.logprobAnswers++;
      return fromLogprobs;
    }
    const fromText = probabilityFromText(response.choices[0]?.message.content ?? '');
    if (fromText !== undefined) {
      stats.textAnswers++;
      return fromText;
    }
    stats.undecidedAnswers++;
    return 0.5;
  };

  return {
    specificationVersion: 'v1',
    oracleId: options.oracleId ?? `openai-judge:${options.model}`,
    get stats() {
      return { ...stats };
    },
    async doCompare({ prompt, responses, signal }): Promise<PreferenceMatrix> {
      const k = responses.length;
      const promptText = textOf(prompt, 'prompt');
      const texts = responses.map((r, i) => textOf(r, `responses[${i}]`));
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      const onAbort = () => controller.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) controller.abort(signal.reason);
      // first[i][j] = P(response i wins when shown first, j second).
      const first: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0.5));
      const jobs: Promise<void>[] = [];
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          if (i === j) continue;
          jobs.push(
            ask(promptText, texts[i] as string, texts[j] as string, controller.signal).then((p) => {
              (first[i] as number[])[j] = p;
            }),
          );
        }
      }
      try {
        await Promise.all(jobs);
      } catch (error) {
        controller.abort();
        throw error;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
      const matrix: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0.5));
      for (let i = 0; i < k; i++) {
        for (let j = i + 1; j < k; j++) {
          const mij = ((first[i]?.[j] ?? 0.5) + 1 - (first[j]?.[i] ?? 0.5)) / 2;
          (matrix[i] as number[])[j] = mij;
          (matrix[j] as number[])[i] = 1 - mij;
        }
      }
      return matrix;
    },
  };
}
