import { MockLanguageModelV3 } from 'ai/test';

export type CallOptions = Parameters<MockLanguageModelV3['doGenerate']>[0];
export type GenerateResult = Awaited<ReturnType<MockLanguageModelV3['doGenerate']>>;

/**
 * What a scripted judge answers: its text and, optionally, the top log-probs of its first token (the
 * first entry is the sampled token).
 */
export type ScriptedAnswer = {
  readonly text: string;
  readonly topLogprobs?: readonly { readonly token: string; readonly logprob: number }[];
};

/** The user message of a call (the judge sends one text part). */
export function userText(options: CallOptions): string {
  const user = options.prompt.find((m) => m.role === 'user');
  if (!user || typeof user.content === 'string') throw new Error('no user message');
  return user.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** Prompt, first and second response of a call rendered with the default template. */
export function parseJudgeCall(options: CallOptions): { prompt: string; first: string; second: string } {
  const match = /^Prompt:\n([\s\S]*)\n\nResponse A:\n([\s\S]*)\n\nResponse B:\n([\s\S]*)\n\nWhich response/.exec(
    userText(options),
  );
  if (!match) throw new Error(`not a judge call: ${userText(options)}`);
  return { prompt: match[1] as string, first: match[2] as string, second: match[3] as string };
}

/** An AI SDK 6 generate result as `@ai-sdk/openai`'s chat model reports it (logprobs in metadata). */
export function generateResult(answer: ScriptedAnswer): GenerateResult {
  const top = answer.topLogprobs;
  return {
    content: [{ type: 'text', text: answer.text }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: {
      inputTokens: { total: 40, noCache: 40, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: 1, text: 1, reasoning: undefined },
    },
    ...(top
      ? {
          providerMetadata: {
            openai: {
              logprobs: [
                {
                  token: top[0]?.token ?? answer.text,
                  logprob: top[0]?.logprob ?? 0,
                  top_logprobs: top.map((t) => ({ ...t })),
                },
              ],
            },
          },
        }
      : {}),
    warnings: [],
  };
}

/** A mock judge model answering every call with `answer(first, second, options)`. */
export function scriptedJudge(
  answer: (first: string, second: string, options: CallOptions) => ScriptedAnswer | Promise<ScriptedAnswer>,
): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    provider: 'mock',
    modelId: 'judge',
    doGenerate: async (options) => {
      const { first, second } = parseJudgeCall(options);
      return generateResult(await answer(first, second, options));
    },
  });
}

/** Top log-probs naming A with probability `p` and B with `1 − p` (a zero-probability label is left out). */
export function choiceLogprobs(p: number): { token: string; logprob: number }[] {
  const out: { token: string; logprob: number }[] = [];
  if (p > 0) out.push({ token: 'A', logprob: Math.log(p) });
  if (p < 1) out.push({ token: 'B', logprob: Math.log(1 - p) });
  return out.sort((a, b) => b.logprob - a.logprob);
}
