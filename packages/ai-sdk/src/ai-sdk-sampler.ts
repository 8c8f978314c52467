import {
  type FinishReason,
  PrefplayError,
  type PromptV1,
  parseOptions,
  type SampleOptionsV1,
  type SamplerV1,
  type SampleV1,
  type TokenIds,
} from '@prefplay/core';
import { generateText, type LanguageModelUsage, type FinishReason as ModelFinishReason, type ModelMessage } from 'ai';
import { z } from 'zod';
import { createLimiter } from './create-limiter.js';
import { linkAbort } from './link-abort.js';
import { modelCallError } from './model-call-error.js';
import { describeModel, languageModelSchema, mergeProviderOptions, providerOptionsSchema } from './model-schemas.js';
import { readProviderLogprobs } from './read-provider-logprobs.js';
import { isFunction, textOf } from './text-of.js';

/** Turns a prompt into what `generateText` is asked: a string prompt or chat messages. */
export type RenderPrompt = (prompt: PromptV1, index: number) => string | ModelMessage[];

export const aiSdkSamplerOptionsSchema = z
  .object({
    model: languageModelSchema,
    /** System message of every call. */
    system: z.string().optional(),
    /** Builds the prompt or chat messages; by default the prompt's text (or `decode(tokens)`). */
    renderPrompt: z.custom<RenderPrompt>(isFunction, { error: 'must be a function' }).optional(),
    temperature: z.number().min(0).max(2).default(1),
    topP: z.number().gt(0).max(1).optional(),
    topK: z.number().int().min(1).optional(),
    maxOutputTokens: z.number().int().min(1).max(1_000_000).default(256),
    stopSequences: z.array(z.string()).max(16).optional(),
    /**
     * Ask for the sampled tokens' log-probs (`providerOptions.openai.logprobs`) and record their sum
     * as `logprob`. Log-probs a provider reports unasked are recorded too.
     */
    logprobs: z.boolean().default(false),
    /** Merged into every call's `providerOptions`, over the log-prob request. */
    providerOptions: providerOptionsSchema.optional(),
    headers: z.record(z.string(), z.string()).optional(),
    /** The AI SDK's own retries of retryable failures (`maxRetries` of `generateText`). */
    maxRetries: z.number().int().min(0).max(20).default(2),
    /** Calls in flight at once, over every `doSample` of this sampler. */
    concurrency: z.number().int().min(1).max(1024).default(4),
    /** Turns a response's text into token ids; without it `tokens` is `[]`. */
    tokenize: z.custom<(text: string) => number[]>(isFunction, { error: 'must be a function' }).optional(),
    /** Turns a prompt's tokens into text when the prompt has no `text` (default `renderPrompt` only). */
    decode: z.custom<(tokens: TokenIds) => string>(isFunction, { error: 'must be a function' }).optional(),
    samplerId: z.string().min(1).optional(),
  })
  .strict();

export type AiSdkSamplerOptions = z.input<typeof aiSdkSamplerOptionsSchema>;

/** A sample with what the AI SDK reported about its call. */
export type AiSdkSample = SampleV1 & {
  /** The AI SDK's finish reason (`finishReason` maps it onto prefplay's three). */
  readonly modelFinishReason: ModelFinishReason;
  /** The provider's own finish reason, when it gave one. */
  readonly rawFinishReason: string | undefined;
  readonly usage: LanguageModelUsage;
  /** The call's warnings, e.g. `unsupported: seed` from a provider without seeds. */
  readonly warnings: readonly string[];
};

export type AiSdkSamplerStats = {
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Calls whose provider warned that it does not support `seed`. */
  readonly seedIgnored: number;
  readonly finishReasons: Readonly<Partial<Record<ModelFinishReason, number>>>;
};

export type AiSdkSampler = Omit<SamplerV1, 'doSample'> & {
  readonly stats: AiSdkSamplerStats;
  doSample(options: SampleOptionsV1): Promise<AiSdkSample[][]>;
};

/** `length` → `length`; `content-filter`, `error` → `error`; `stop`, `tool-calls`, `other` → `stop`. */
export function mapFinishReason(reason: ModelFinishReason): FinishReason {
  if (reason === 'length') return 'length';
  if (reason === 'content-filter' || reason === 'error') return 'error';
  return 'stop';
}

type Warning = { type: string; feature?: string; details?: string; message?: string };

const describeWarning = (w: Warning): string =>
  w.type === 'other'
    ? `other: ${w.message ?? ''}`
    : `${w.type}: ${w.feature ?? ''}${w.details ? ` (${w.details})` : ''}`;

/**
 * A sampler over any AI SDK language model: K `generateText` calls per prompt, call `k` with seed
 * `seed + k` (providers without seeds ignore it with a warning, counted in `stats.seedIgnored`).
 * Each sample records its text, finish reason (prefplay's and the AI SDK's), usage, warnings and,
 * when the provider reports log-probs, their sum as `logprob`. Retries are the AI SDK's own.
 */
export function aiSdkSampler(input: AiSdkSamplerOptions): AiSdkSampler {
  const options = parseOptions(aiSdkSamplerOptionsSchema, input, { what: 'aiSdkSampler options' });
  const samplerId = options.samplerId ?? `ai-sdk-sampler:${describeModel(options.model)}`;
  const owner = `aiSdkSampler "${samplerId}"`;
  const limiter = createLimiter(options.concurrency);
  const stats = {
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    seedIgnored: 0,
    finishReasons: {} as Partial<Record<ModelFinishReason, number>>,
  };
  const providerOptions = mergeProviderOptions(
    options.logprobs ? { openai: { logprobs: 1 } } : {},
    options.providerOptions,
  );
  const settings: Readonly<Record<string, unknown>> = Object.freeze({
    model: describeModel(options.model),
    temperature: options.temperature,
    maxOutputTokens: options.maxOutputTokens,
    ...(options.topP !== undefined ? { topP: options.topP } : {}),
    ...(options.topK !== undefined ? { topK: options.topK } : {}),
    ...(options.stopSequences !== undefined ? { stopSequences: options.stopSequences } : {}),
    ...(options.system !== undefined ? { system: options.system } : {}),
  });

  const render: RenderPrompt =
    options.renderPrompt ?? ((prompt, index) => textOf(prompt, `prompts[${index}]`, owner, options.decode));

  const draw = async (prompt: string | ModelMessage[], seed: number, signal: AbortSignal): Promise<AiSdkSample> => {
    const result = await generateText({
      model: options.model,
      ...(options.system !== undefined ? { system: options.system } : {}),
      ...(typeof prompt === 'string' ? { prompt } : { messages: prompt }),
      temperature: options.temperature,
      maxOutputTokens: options.maxOutputTokens,
      ...(options.topP !== undefined ? { topP: options.topP } : {}),
      ...(options.topK !== undefined ? { topK: options.topK } : {}),
      ...(options.stopSequences !== undefined ? { stopSequences: options.stopSequences } : {}),
      seed,
      ...(Object.keys(providerOptions).length > 0 ? { providerOptions } : {}),
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
      maxRetries: options.maxRetries,
      abortSignal: signal,
    });
    const warnings = (result.warnings ?? []) as Warning[];
    stats.calls++;
    stats.inputTokens += result.usage.inputTokens ?? 0;
    stats.outputTokens += result.usage.outputTokens ?? 0;
    stats.finishReasons[result.finishReason] = (stats.finishReasons[result.finishReason] ?? 0) + 1;
    if (warnings.some((w) => w.type === 'unsupported' && w.feature === 'seed')) stats.seedIgnored++;
    const positions = readProviderLogprobs(result.providerMetadata);
    const logprob = positions?.reduce((sum, p) => sum + p.logprob, 0);
    return {
      tokens: options.tokenize ? options.tokenize(result.text) : [],
      text: result.text,
      finishReason: mapFinishReason(result.finishReason),
      seed,
      settings,
      ...(logprob !== undefined && Number.isFinite(logprob) ? { logprob } : {}),
      modelFinishReason: result.finishReason,
      rawFinishReason: result.rawFinishReason,
      usage: result.usage,
      warnings: warnings.map(describeWarning),
    };
  };

  return {
    specificationVersion: 'v1',
    samplerId,
    get stats() {
      return { ...stats, finishReasons: { ...stats.finishReasons } };
    },
    async doSample({ prompts, samplesPerPrompt, seed, signal }: SampleOptionsV1): Promise<AiSdkSample[][]> {
      if (!Number.isInteger(samplesPerPrompt) || samplesPerPrompt < 1) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `${owner}: samplesPerPrompt must be a positive integer, got ${samplesPerPrompt}`,
          where: { field: 'samplesPerPrompt' },
          hint: 'Pass K ≥ 1',
        });
      }
      if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(seed + samplesPerPrompt)) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `${owner}: seed must be an integer with seed + samplesPerPrompt a safe integer, got ${seed}`,
          where: { field: 'seed' },
          hint: 'Pass an integer seed',
        });
      }
      const rendered = prompts.map((prompt, i) => render(prompt, i));
      if (signal?.aborted) throw signal.reason;
      const link = linkAbort(signal);
      const jobs = rendered.map((prompt, p) =>
        Promise.all(
          Array.from({ length: samplesPerPrompt }, (_, k) =>
            limiter.run(() => draw(prompt, seed + k, link.signal), link.signal),
          ),
        ).catch((error: unknown) => {
          throw modelCallError({
            error,
            signal,
            owner,
            what: `sampling prompts[${p}] (id "${prompts[p]?.id}")`,
            maxRetries: options.maxRetries,
          });
        }),
      );
      try {
        return await link.race(Promise.all(jobs));
      } catch (error) {
        link.abort();
        throw modelCallError({ error, signal, owner, what: 'sampling', maxRetries: options.maxRetries });
      } finally {
        link.unlink();
      }
    },
  };
}
