import { defaultJudgeUserTemplate } from '@prefplay/ai-sdk';
import type { SyntheticPrompt, SyntheticTask } from '@prefplay/synthetic';
import { MockLanguageModelV3 } from 'ai/test';
import { taskResponse } from './task-response.js';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The judge's default user message with its placeholders as named groups. */
const judgeMessage = new RegExp(
  `^${escapeRegExp(defaultJudgeUserTemplate)
    .replace('\\{prompt\\}', '(?<prompt>[\\s\\S]*?)')
    .replace('\\{responseA\\}', '(?<first>[\\s\\S]*?)')
    .replace('\\{responseB\\}', '(?<second>[\\s\\S]*?)')}$`,
);

type CallOptions = Parameters<MockLanguageModelV3['doGenerate']>[0];

function userMessage(options: CallOptions): string {
  const user = options.prompt.find((m) => m.role === 'user');
  if (user === undefined || typeof user.content === 'string') return '';
  return user.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/**
 * An AI SDK language model (the AI SDK's own `MockLanguageModelV3`) that judges like the synthetic
 * task's training oracle: it reads the prompt and the two responses from the judge's default user
 * message, asks `task.trainingOracle` for `p = P(first ≻ second)` on those texts, and answers the
 * likelier letter with the top log-probs `ln p` for "A" and `ln(1 − p)` for "B", in the shape
 * `@ai-sdk/openai` chat models report them. A message in another shape is an error.
 */
export function taskJudgeModel(task: SyntheticTask): MockLanguageModelV3 {
  const prompts = new Map<string, SyntheticPrompt>([...task.trainPrompts, ...task.evalPrompts].map((p) => [p.text, p]));
  return new MockLanguageModelV3({
    provider: 'task-mock',
    modelId: 'training-oracle',
    doGenerate: async (options) => {
      const text = userMessage(options);
      const groups = judgeMessage.exec(text)?.groups;
      if (groups === undefined) {
        throw new Error(
          `the task-mock judge reads only the default userTemplate; got ${JSON.stringify(text.slice(0, 80))}`,
        );
      }
      const prompt = prompts.get(groups.prompt as string);
      if (prompt === undefined) {
        throw new Error(`the task-mock judge does not know the prompt ${JSON.stringify(groups.prompt)}`);
      }
      const matrix = await task.trainingOracle.doCompare({
        prompt,
        responses: [taskResponse(task, groups.first as string), taskResponse(task, groups.second as string)],
        ...(options.abortSignal ? { signal: options.abortSignal } : {}),
      });
      const p = matrix[0]?.[1] as number;
      const top = [
        ...(p > 0 ? [{ token: 'A', logprob: Math.log(p) }] : []),
        ...(p < 1 ? [{ token: 'B', logprob: Math.log1p(-p) }] : []),
      ].sort((a, b) => b.logprob - a.logprob);
      const chosen = top[0] as { token: string; logprob: number };
      return {
        content: [{ type: 'text', text: chosen.token }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 1, text: 1, reasoning: undefined },
        },
        providerMetadata: { 'task-mock': { logprobs: [{ ...chosen, top_logprobs: top }] } },
        warnings: [],
      };
    },
  });
}
