import type { LogprobPosition } from '@prefplay/core';
import { z } from 'zod';

const tokenLogprobSchema = z.object({ token: z.string(), logprob: z.number() });
const positionSchema = tokenLogprobSchema.extend({
  top_logprobs: z.array(tokenLogprobSchema).nullish(),
});
/** OpenAI chat completions (`@ai-sdk/openai` `.chat()`), and `logprobsMetadataExtractor`. */
const chatShape = z.array(positionSchema);
/** OpenAI responses API (`@ai-sdk/openai` default model): one list per output text part. */
const responsesShape = z.array(z.array(positionSchema));
/** OpenAI legacy completions (`@ai-sdk/openai` `.completion()`). */
const completionShape = z.object({
  tokens: z.array(z.string()),
  token_logprobs: z.array(z.number()),
  top_logprobs: z.array(z.record(z.string(), z.number())).nullish(),
});

const fromPosition = (p: z.output<typeof positionSchema>): LogprobPosition => ({
  token: p.token,
  logprob: p.logprob,
  topLogprobs: p.top_logprobs ?? [],
});

/** Reads one provider's `logprobs` metadata value in any of the known shapes. */
export function parseLogprobs(value: unknown): LogprobPosition[] | undefined {
  const chat = chatShape.safeParse(value);
  if (chat.success) return chat.data.map(fromPosition);
  const responses = responsesShape.safeParse(value);
  if (responses.success) return responses.data.flat().map(fromPosition);
  const completion = completionShape.safeParse(value);
  if (completion.success) {
    const { tokens, token_logprobs: logprobs, top_logprobs: top } = completion.data;
    return tokens.map((token, i) => ({
      token,
      logprob: logprobs[i] ?? Number.NaN,
      topLogprobs: Object.entries(top?.[i] ?? {}).map(([t, logprob]) => ({ token: t, logprob })),
    }));
  }
  return undefined;
}

/**
 * The token log-probs of an answer as AI SDK 6 providers report them in `providerMetadata`: the
 * first provider entry with a `logprobs` field in a known shape (`@ai-sdk/openai` chat, responses
 * and completion models, under `openai` or the provider's own key such as `azure`; an
 * `@ai-sdk/openai-compatible` model with `logprobsMetadataExtractor`). Undefined when there is none.
 */
export function readProviderLogprobs(providerMetadata: unknown): LogprobPosition[] | undefined {
  if (typeof providerMetadata !== 'object' || providerMetadata === null) return undefined;
  for (const entry of Object.values(providerMetadata)) {
    if (typeof entry !== 'object' || entry === null || !('logprobs' in entry)) continue;
    const positions = parseLogprobs((entry as { logprobs: unknown }).logprobs);
    if (positions && positions.length > 0) return positions;
  }
  return undefined;
}
