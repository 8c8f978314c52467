import {
  choiceFromLogprobs,
  choiceFromText,
  createHttpClient,
  httpConnectionOf,
  httpConnectionOptionsSchema,
  type LogprobPosition,
  type PreferenceMatrix,
  type PreferenceOracleV1,
  PrefplayError,
  type PromptV1,
  parseOptions,
  type ResponseV1,
  readJudgeAnswer,
  type TokenIds,
} from '@prefplay/core';
import { z } from 'zod';
import { createAbortFanout } from './abort-fanout.js';

const defaultSystemPrompt =
  'You are an impartial judge. You compare two responses to the same prompt and decide which one is better. ' +
  'Answer with a single letter: A or B.';

const defaultUserTemplate =
  'Prompt:\n{prompt}\n\nResponse A:\n{responseA}\n\nResponse B:\n{responseB}\n\n' +
  'Which response is better? Answer with exactly one letter, A or B.';

export const openAIJudgeOptionsSchema = httpConnectionOptionsSchema.extend({
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
  /**
   * Largest tolerated share of unreadable answers (neither the log-probs nor the text name A or B),
   * over all answers so far; checked after every `doCompare`, which throws once the share is above
   * it. The default 0 fails on the first unreadable answer.
   */
  maxUnreadableShare: z.number().min(0).max(1).default(0),
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
  /** Answers that named neither A nor B (a tie, "C", "Both…", log-probs and text without a label). */
  readonly unreadableAnswers: number;
  /** Pairs whose two orders were both unreadable, set to 1/2 (only below `maxUnreadableShare`). */
  readonly unresolvedPairs: number;
};

/** One unreadable answer, as the server wrote it. */
export type OpenAIJudgeUnreadableAnswer = {
  readonly promptId: string;
  /** Indices (into the call's `responses`) of the responses shown as A and as B. */
  readonly first: number;
  readonly second: number;
  /** The answer text (at most 200 characters), `null` when the server sent none. */
  readonly content: string | null;
};

export type OpenAIJudge = PreferenceOracleV1 & {
  /** Counts so far; `textAnswers + unreadableAnswers` are the fallbacks from log-probs. */
  readonly stats: OpenAIJudgeStats;
  /** The first 20 unreadable answers, for reports. */
  readonly unreadableAnswers: readonly OpenAIJudgeUnreadableAnswer[];
};

const keptUnreadable = 20;

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

type Answer =
  | { readonly p: number; readonly via: 'logprobs' | 'text' }
  | { readonly p: undefined; readonly via: 'unreadable'; readonly content: string | null };

/** The first choice's log-probs in core's shape (a position without alternatives lists none). */
function positionsOf(response: ChatResponse): LogprobPosition[] | undefined {
  return response.choices[0]?.logprobs?.content?.map((p) => ({
    token: p.token,
    logprob: p.logprob,
    topLogprobs: p.top_logprobs ?? [],
  }));
}

/**
 * P(A) from the log-probs of a chat completion's first choice, read by core's `choiceFromLogprobs`:
 * at the first non-blank generated token, the sampled token and its top alternatives that are
 * variants of "A" and "B" (whitespace, case, brackets) are pooled; a label missing from the list
 * counts as probability 0. Undefined when there are no log-probs, neither label is listed, or a
 * label's log-prob is above 0.
 */
export function probabilityFromLogprobs(response: ChatResponse): number | undefined {
  return choiceFromLogprobs(positionsOf(response));
}

/** 1 for an answer of A, 0 for B, undefined for a tie or an unreadable answer (core's `choiceFromText`). */
export function probabilityFromText(content: string): number | undefined {
  return choiceFromText(content);
}

/**
 * A preference oracle that asks an OpenAI-compatible chat endpoint (vLLM, llama.cpp server,
 * Ollama, ...) which of two responses is better. For every pair it asks both orders and
 * symmetrises, `M_ij = (P(i first) + 1 − P(j first, i second)) / 2`, which removes a constant
 * position bias; the result is constant-sum with diagonal 1/2. `P(first)` is read from the top
 * log-probs of the choice token, `e^{lpA}/(e^{lpA}+e^{lpB})`, or from the answer text when the server
 * gives no log-probs (A → 1, B → 0). An answer naming neither is unreadable: it is counted (`stats`,
 * `unreadableAnswers`) and fails the call once their share passes `maxUnreadableShare` (default 0);
 * a tolerated one is left out, the pair taking the other order's answer alone (1/2 when both are
 * unreadable, counted in `stats.unresolvedPairs`).
 */
export function openAIJudge(input: OpenAIJudgeOptions): OpenAIJudge {
  const options = parseOptions(openAIJudgeOptionsSchema, input, { what: 'openAIJudge options' });
  const client = createHttpClient(httpConnectionOf(options));
  const stats = { queries: 0, logprobAnswers: 0, textAnswers: 0, unreadableAnswers: 0, unresolvedPairs: 0 };
  const unreadable: OpenAIJudgeUnreadableAnswer[] = [];

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

  const ask = async (prompt: string, first: string, second: string, signal: AbortSignal): Promise<Answer> => {
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
    const content = response.choices[0]?.message.content ?? null;
    const reading = readJudgeAnswer({ logprobs: positionsOf(response), text: content ?? '' });
    return reading.source === 'unreadable'
      ? { p: undefined, via: 'unreadable', content }
      : { p: reading.probability, via: reading.source };
  };

  return {
    specificationVersion: 'v1',
    oracleId: options.oracleId ?? `openai-judge:${options.model}`,
    get stats() {
      return { ...stats };
    },
    get unreadableAnswers() {
      return unreadable.slice();
    },
    async doCompare({ prompt, responses, signal }): Promise<PreferenceMatrix> {
      const k = responses.length;
      const promptText = textOf(prompt, 'prompt');
      const texts = responses.map((r, i) => textOf(r, `responses[${i}]`));
      const fanout = createAbortFanout(signal);
      // first[i][j] = P(response i wins when shown first, j second); undefined when unreadable.
      const first: (number | undefined)[][] = Array.from({ length: k }, () => new Array(k).fill(undefined));
      const answers: { i: number; j: number; answer: Answer }[] = [];
      const jobs: Promise<void>[] = [];
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          if (i === j) continue;
          const request = fanout.child();
          jobs.push(
            ask(promptText, texts[i] as string, texts[j] as string, request.signal)
              .then((answer) => {
                answers.push({ i, j, answer });
                (first[i] as (number | undefined)[])[j] = answer.p;
              })
              .finally(request.release),
          );
        }
      }
      try {
        await Promise.all(jobs);
      } catch (error) {
        fanout.abort();
        throw error;
      } finally {
        fanout.dispose();
      }
      // Counted in request order, so that stats and kept examples do not depend on arrival order.
      answers.sort((x, y) => x.i - y.i || x.j - y.j);
      for (const { i, j, answer } of answers) {
        stats.queries++;
        if (answer.via === 'unreadable') {
          stats.unreadableAnswers++;
          if (unreadable.length < keptUnreadable) {
            const content = answer.content === null ? null : answer.content.slice(0, 200);
            unreadable.push({ promptId: prompt.id, first: i, second: j, content });
          }
        } else if (answer.via === 'logprobs') stats.logprobAnswers++;
        else stats.textAnswers++;
      }
      const matrix: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0.5));
      for (let i = 0; i < k; i++) {
        for (let j = i + 1; j < k; j++) {
          const forward = first[i]?.[j];
          const backward = first[j]?.[i];
          let mij: number;
          if (forward !== undefined && backward !== undefined) mij = (forward + 1 - backward) / 2;
          else if (forward !== undefined) mij = forward;
          else if (backward !== undefined) mij = 1 - backward;
          else {
            stats.unresolvedPairs++;
            mij = 0.5;
          }
          (matrix[i] as number[])[j] = mij;
          (matrix[j] as number[])[i] = 1 - mij;
        }
      }
      if (stats.unreadableAnswers > options.maxUnreadableShare * stats.queries) {
        const share = stats.unreadableAnswers / stats.queries;
        const examples = unreadable
          .slice(0, 3)
          .map((u) => (u.content === null ? 'no content' : JSON.stringify(u.content)))
          .join(', ');
        throw new PrefplayError({
          code: 'http',
          problem: `openAIJudge "${options.model}": ${stats.unreadableAnswers} of ${stats.queries} answers named neither A nor B (share ${share.toFixed(3)}, above maxUnreadableShare ${options.maxUnreadableShare}), e.g. ${examples}`,
          hint: 'Make the judge answer with the single letter A or B (systemPrompt, userTemplate, maxTokens, logprobs), or tolerate a share of unreadable answers with maxUnreadableShare',
        });
      }
      return matrix;
    },
  };
}
