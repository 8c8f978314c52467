import {
  type LogprobPosition,
  type PreferenceMatrix,
  type PreferenceOracleV1,
  PrefplayError,
  parseOptions,
  readJudgeAnswer,
  type TokenIds,
} from '@prefplay/core';
import { generateText, type ProviderMetadata } from 'ai';
import { z } from 'zod';
import { createLimiter } from './create-limiter.js';
import { linkAbort } from './link-abort.js';
import { modelCallError } from './model-call-error.js';
import { describeModel, languageModelSchema, mergeProviderOptions, providerOptionsSchema } from './model-schemas.js';
import { readProviderLogprobs } from './read-provider-logprobs.js';
import { isFunction, textOf } from './text-of.js';

/** The judge's default system message. */
export const defaultJudgeSystemPrompt =
  'You are an impartial judge. You compare two responses to the same prompt and decide which one is better. ' +
  'Answer with a single letter: A or B.';

/** The judge's default user message; `{prompt}`, `{responseA}` and `{responseB}` are filled in. */
export const defaultJudgeUserTemplate =
  'Prompt:\n{prompt}\n\nResponse A:\n{responseA}\n\nResponse B:\n{responseB}\n\n' +
  'Which response is better? Answer with exactly one letter, A or B.';

/** What the model answered to one ordered comparison. */
export type JudgeAnswer = {
  readonly text: string;
  readonly providerMetadata: ProviderMetadata | undefined;
};

/** Reads the token log-probs of an answer; the default understands the providers listed in the README. */
export type ReadLogprobs = (answer: JudgeAnswer) => readonly LogprobPosition[] | undefined;

const defaultReadLogprobs: ReadLogprobs = (answer) => readProviderLogprobs(answer.providerMetadata);

export const aiSdkJudgeOptionsSchema = z
  .object({
    model: languageModelSchema,
    /** System message; `null` sends none. */
    systemPrompt: z.string().nullable().default(defaultJudgeSystemPrompt),
    /** User message with the placeholders `{prompt}`, `{responseA}` and `{responseB}`. */
    userTemplate: z
      .string()
      .refine((t) => t.includes('{responseA}') && t.includes('{responseB}'), {
        error: 'must contain the placeholders {responseA} and {responseB}',
      })
      .default(defaultJudgeUserTemplate),
    temperature: z.number().min(0).max(2).default(0),
    /** Tokens the judge may write; the first non-blank one is the one whose log-probs are read. */
    maxOutputTokens: z.number().int().min(1).max(4096).default(16),
    /**
     * Alternatives per position to ask for, as `providerOptions.openai.logprobs` (OpenAI and Azure
     * models); 0 asks for none. Other providers take their own request through `providerOptions`.
     */
    topLogprobs: z.number().int().min(0).max(20).default(5),
    /** Passed as `seed` on every call (providers without seeds ignore it with a warning). */
    seed: z.number().int().optional(),
    /** Merged into every call's `providerOptions`, over the log-prob request. */
    providerOptions: providerOptionsSchema.optional(),
    /** Extra HTTP headers of every call. */
    headers: z.record(z.string(), z.string()).optional(),
    /** How the log-probs are found in an answer; see `readProviderLogprobs`. */
    readLogprobs: z
      .custom<ReadLogprobs>(isFunction, { error: 'must be a function' })
      .default(() => defaultReadLogprobs),
    /** The AI SDK's own retries of retryable failures (`maxRetries` of `generateText`). */
    maxRetries: z.number().int().min(0).max(20).default(2),
    /** Calls in flight at once, over every `doCompare` of this judge. */
    concurrency: z.number().int().min(1).max(1024).default(4),
    /**
     * Share of a call's ordered comparisons that may be unreadable (neither log-probs nor text name
     * A or B). A pair with one readable order takes that order alone; a pair with none fails the
     * call whatever this says. Default 0: any unreadable answer fails the call.
     */
    maxUnreadableFraction: z.number().min(0).max(1).default(0),
    /** Turns token ids into text for prompts and responses without `text`. */
    decode: z.custom<(tokens: TokenIds) => string>(isFunction, { error: 'must be a function' }).optional(),
    oracleId: z.string().min(1).optional(),
  })
  .strict();

export type AiSdkJudgeOptions = z.input<typeof aiSdkJudgeOptionsSchema>;

/** How the judge's answers were read, accumulated over the judge's life. */
export type AiSdkJudgeStats = {
  /** Ordered comparisons answered (two per unordered pair). */
  readonly queries: number;
  /** Answers read from the log-probs of the choice token. */
  readonly logprobAnswers: number;
  /** Answers read from the text (no usable log-probs): A → 1, B → 0. */
  readonly textAnswers: number;
  /** Answers that named neither A nor B; never counted as 1/2. */
  readonly unreadableAnswers: number;
  /** Summed over answers that reported them. */
  readonly inputTokens: number;
  readonly outputTokens: number;
};

export type AiSdkJudge = PreferenceOracleV1 & {
  readonly stats: AiSdkJudgeStats;
};

/** The first three items, and how many more. */
function listSome(items: readonly string[]): string {
  const shown = items.slice(0, 3).join('; ');
  return items.length > 3 ? `${shown}; and ${items.length - 3} more` : shown;
}

type Reading = { readonly probability: number | undefined; readonly text: string };

/**
 * A preference oracle over any AI SDK language model. For every pair of responses it asks both
 * orders ("is A or B better?") and symmetrises, `M_ij = (P(i first) + 1 − P(j first, i second)) / 2`,
 * which removes a constant position bias; the matrix is constant-sum with diagonal 1/2. `P(first)`
 * is `e^{lpA}/(e^{lpA}+e^{lpB})` from the choice token's log-probs when the provider returns them,
 * else 1 or 0 from the answer text. An unreadable answer is counted and, beyond
 * `maxUnreadableFraction`, fails the call; it never becomes 1/2. Retries are the AI SDK's own.
 */
export function aiSdkJudge(input: AiSdkJudgeOptions): AiSdkJudge {
  const options = parseOptions(aiSdkJudgeOptionsSchema, input, { what: 'aiSdkJudge options' });
  const oracleId = options.oracleId ?? `ai-sdk-judge:${describeModel(options.model)}`;
  const owner = `aiSdkJudge "${oracleId}"`;
  const limiter = createLimiter(options.concurrency);
  const stats = {
    queries: 0,
    logprobAnswers: 0,
    textAnswers: 0,
    unreadableAnswers: 0,
    inputTokens: 0,
    outputTokens: 0,
  };
  const providerOptions = mergeProviderOptions(
    options.topLogprobs > 0 ? { openai: { logprobs: options.topLogprobs } } : {},
    options.providerOptions,
  );

  const render = (prompt: string, first: string, second: string): string =>
    options.userTemplate.replace(/\{(prompt|responseA|responseB)\}/g, (_, name: string) =>
      name === 'prompt' ? prompt : name === 'responseA' ? first : second,
    );

  const ask = async (prompt: string, first: string, second: string, signal: AbortSignal): Promise<Reading> => {
    const result = await generateText({
      model: options.model,
      ...(options.systemPrompt !== null ? { system: options.systemPrompt } : {}),
      prompt: render(prompt, first, second),
      temperature: options.temperature,
      maxOutputTokens: options.maxOutputTokens,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(Object.keys(providerOptions).length > 0 ? { providerOptions } : {}),
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
      maxRetries: options.maxRetries,
      abortSignal: signal,
    });
    stats.queries++;
    stats.inputTokens += result.usage.inputTokens ?? 0;
    stats.outputTokens += result.usage.outputTokens ?? 0;
    const answer: JudgeAnswer = { text: result.text, providerMetadata: result.providerMetadata };
    const reading = readJudgeAnswer({ logprobs: options.readLogprobs(answer), text: result.text });
    if (reading.source === 'logprobs') stats.logprobAnswers++;
    else if (reading.source === 'text') stats.textAnswers++;
    else stats.unreadableAnswers++;
    return { probability: reading.probability, text: result.text };
  };

  return {
    specificationVersion: 'v1',
    oracleId,
    get stats() {
      return { ...stats };
    },
    async doCompare({ prompt, responses, signal }): Promise<PreferenceMatrix> {
      const k = responses.length;
      const promptText = textOf(prompt, 'prompt', owner, options.decode);
      const texts = responses.map((r, i) => textOf(r, `responses[${i}]`, owner, options.decode));
      if (signal?.aborted) throw signal.reason;
      // first[i][j]: what the model said when response i was shown first and j second.
      const first: (Reading | undefined)[][] = Array.from({ length: k }, () => new Array(k).fill(undefined));
      const link = linkAbort(signal);
      const jobs: Promise<void>[] = [];
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          if (i === j) continue;
          jobs.push(
            limiter
              .run(() => ask(promptText, texts[i] as string, texts[j] as string, link.signal), link.signal)
              .then((reading) => {
                (first[i] as (Reading | undefined)[])[j] = reading;
              }),
          );
        }
      }
      try {
        await link.race(Promise.all(jobs));
      } catch (error) {
        link.abort();
        throw modelCallError({
          error,
          signal,
          owner,
          what: `a comparison for prompt "${prompt.id}"`,
          maxRetries: options.maxRetries,
        });
      } finally {
        link.unlink();
      }

      const unreadable: string[] = [];
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          if (i !== j && first[i]?.[j]?.probability === undefined) {
            const said = JSON.stringify((first[i]?.[j]?.text ?? '').slice(0, 80));
            unreadable.push(`responses[${i}] shown before responses[${j}] answered ${said}`);
          }
        }
      }
      const queries = k * (k - 1);
      if (unreadable.length > options.maxUnreadableFraction * queries) {
        throw new PrefplayError({
          code: 'http',
          problem: `${owner}: ${unreadable.length} of ${queries} answers for prompt "${prompt.id}" named neither A nor B, more than maxUnreadableFraction = ${options.maxUnreadableFraction} allows (${listSome(unreadable)})`,
          hint: 'Make the model answer with one letter (systemPrompt, userTemplate, maxOutputTokens), use a model that returns log-probs, or raise maxUnreadableFraction to accept some (a pair then takes its readable order)',
        });
      }
      const matrix: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0.5));
      for (let i = 0; i < k; i++) {
        for (let j = i + 1; j < k; j++) {
          const forward = first[i]?.[j]?.probability;
          const backward = first[j]?.[i]?.probability;
          let mij: number;
          if (forward !== undefined && backward !== undefined) mij = (forward + 1 - backward) / 2;
          else if (forward !== undefined) mij = forward;
          else if (backward !== undefined) mij = 1 - backward;
          else {
            throw new PrefplayError({
              code: 'http',
              problem: `${owner}: both orders of responses[${i}] and responses[${j}] for prompt "${prompt.id}" named neither A nor B (${listSome(unreadable)})`,
              hint: 'A pair needs at least one readable answer: make the model answer with one letter (systemPrompt, userTemplate, maxOutputTokens) or use a model that returns log-probs',
            });
          }
          (matrix[i] as number[])[j] = mij;
          (matrix[j] as number[])[i] = 1 - mij;
        }
      }
      return matrix;
    },
  };
}
