import { PrefplayError, type ResponseV1 } from '@prefplay/core';
import { isConstantSum } from '@prefplay/preference';
import { APICallError } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { choiceLogprobs, generateResult, parseJudgeCall, scriptedJudge } from './__fixtures__/mock-judge-model.js';
import { aiSdkJudge, defaultJudgeSystemPrompt } from './ai-sdk-judge.js';

const prompt = { id: 'p0', tokens: [], text: 'Name a colour.' };
const responses: ResponseV1[] = ['red', 'green', 'blue', 'mauve'].map((text) => ({ tokens: [], text }));
const score: Record<string, number> = { red: 0.3, green: -0.4, blue: 1.1, mauve: 0 };
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('aiSdkJudge with log-probs', () => {
  it('reads P(A) from the top log-probs, asks both orders and removes the position bias', async () => {
    // the mock prefers the response shown first: P(A) = σ(s_first − s_second + b), b = 0.8; its text
    // always says "A", so a reading from the text would give 1/2 everywhere
    const bias = 0.8;
    const model = scriptedJudge((first, second) => ({
      text: 'A',
      topLogprobs: choiceLogprobs(sigmoid((score[first] as number) - (score[second] as number) + bias)),
    }));
    const judge = aiSdkJudge({ model });
    const m = await judge.doCompare({ prompt, responses });
    // closed form: M_ij = (σ(d + b) + 1 − σ(−d + b)) / 2 = (σ(d + b) + σ(d − b)) / 2, d = s_i − s_j
    for (let i = 0; i < responses.length; i++) {
      for (let j = 0; j < responses.length; j++) {
        const d = (score[responses[i]?.text as string] as number) - (score[responses[j]?.text as string] as number);
        const expected = i === j ? 0.5 : (sigmoid(d + bias) + sigmoid(d - bias)) / 2;
        expect(m[i]?.[j]).toBeCloseTo(expected, 12);
      }
    }
    expect(isConstantSum(m, 1e-12)).toBe(true);
    // the raw "shown first" probabilities were not constant-sum: the bias was real
    expect(sigmoid(0.3 + 0.4 + bias) + sigmoid(-0.4 - 0.3 + bias)).toBeGreaterThan(1.3);
    expect(judge.stats).toMatchObject({ queries: 12, logprobAnswers: 12, textAnswers: 0, unreadableAnswers: 0 });
    expect(judge.stats.inputTokens).toBe(12 * 40);
    expect(model.doGenerateCalls).toHaveLength(12);
  });

  it('pools label variants, treats a label missing from the list as probability 0, and skips blank tokens', async () => {
    const model = new MockLanguageModelV3({
      doGenerate: async (options) => {
        const { first } = parseJudgeCall(options);
        const result = generateResult({ text: ' A' });
        const positions =
          first === 'x'
            ? [
                { token: ' ', logprob: 0, top_logprobs: [{ token: ' ', logprob: 0 }] },
                {
                  token: ' A',
                  logprob: Math.log(0.5),
                  top_logprobs: [
                    { token: ' A', logprob: Math.log(0.5) },
                    { token: 'a', logprob: Math.log(0.1) },
                    { token: '(B', logprob: Math.log(0.3) },
                    { token: 'C', logprob: Math.log(0.1) },
                  ],
                },
              ]
            : [{ token: 'B', logprob: Math.log(0.9), top_logprobs: [{ token: 'B', logprob: Math.log(0.9) }] }];
        return { ...result, providerMetadata: { openai: { logprobs: positions } } };
      },
    });
    const m = await aiSdkJudge({ model }).doCompare({
      prompt,
      responses: [
        { tokens: [], text: 'x' },
        { tokens: [], text: 'y' },
      ],
    });
    // x first: P(A) = (0.5 + 0.1) / (0.5 + 0.1 + 0.3) = 2/3; y first: B only, P(A) = 0
    // M_xy = (2/3 + 1 − 0) / 2 = 5/6
    expect(m[0]?.[1]).toBeCloseTo(5 / 6, 12);
    expect(m[1]?.[0]).toBeCloseTo(1 / 6, 12);
  });

  it('sends the documented prompt and asks for log-probs through providerOptions, or not', async () => {
    const model = scriptedJudge(() => ({ text: 'A' }));
    await aiSdkJudge({ model, seed: 7 }).doCompare({ prompt, responses: responses.slice(0, 2) });
    const call = model.doGenerateCalls[0];
    expect(call?.prompt[0]).toEqual({ role: 'system', content: defaultJudgeSystemPrompt });
    expect(parseJudgeCall(call as never)).toEqual({ prompt: 'Name a colour.', first: 'red', second: 'green' });
    expect(parseJudgeCall(model.doGenerateCalls[1] as never)).toMatchObject({ first: 'green', second: 'red' });
    expect(call).toMatchObject({ temperature: 0, maxOutputTokens: 16, seed: 7 });
    expect(call?.providerOptions).toEqual({ openai: { logprobs: 5 } });

    const plain = scriptedJudge(() => ({ text: 'A' }));
    await aiSdkJudge({
      model: plain,
      topLogprobs: 0,
      systemPrompt: null,
      userTemplate: '{responseA} or {responseB}?',
      providerOptions: { anthropic: { sendReasoning: false } },
      decode: () => 'unused',
    })
      .doCompare({ prompt, responses: responses.slice(0, 2) })
      .catch(() => {});
    const plainCall = plain.doGenerateCalls[0];
    expect(plainCall?.prompt).toEqual([{ role: 'user', content: [{ type: 'text', text: 'red or green?' }] }]);
    expect(plainCall?.providerOptions).toEqual({ anthropic: { sendReasoning: false } });
  });
});

describe('aiSdkJudge without log-probs', () => {
  it('reads the letter from the text; a judge that always says A gives 1/2, a consistent one 1 or 0', async () => {
    // says A when s_first + b > s_second with b = 0.5: consistent when |d| > 0.5, always A otherwise
    const bias = 0.5;
    const model = scriptedJudge((first, second) => ({
      text: (score[first] as number) + bias > (score[second] as number) ? 'A.' : 'Response B is better.',
    }));
    const judge = aiSdkJudge({ model });
    const m = await judge.doCompare({ prompt, responses });
    for (let i = 0; i < responses.length; i++) {
      for (let j = 0; j < responses.length; j++) {
        const si = score[responses[i]?.text as string] as number;
        const sj = score[responses[j]?.text as string] as number;
        const forward = si + bias > sj ? 1 : 0;
        const backward = sj + bias > si ? 1 : 0;
        expect(m[i]?.[j]).toBe(i === j ? 0.5 : (forward + 1 - backward) / 2);
      }
    }
    expect(isConstantSum(m)).toBe(true);
    expect(m[0]?.[3]).toBe(0.5); // red 0.3 vs mauve 0: within the bias, both orders said A
    expect(m[2]?.[1]).toBe(1); // blue 1.1 vs green −0.4
    expect(judge.stats).toMatchObject({ queries: 12, logprobAnswers: 0, textAnswers: 12, unreadableAnswers: 0 });
  });

  it('falls back to the text when the log-probs name neither label', async () => {
    const model = scriptedJudge((first) => ({
      text: first === 'red' ? 'Answer: B' : 'A',
      topLogprobs: [{ token: 'Answer', logprob: -0.1 }],
    }));
    const judge = aiSdkJudge({ model });
    const m = await judge.doCompare({ prompt, responses: responses.slice(0, 2) });
    // red first → B (0), green first → A (1): green wins both orders
    expect(m[0]?.[1]).toBe(0);
    expect(judge.stats.textAnswers).toBe(2);
  });
});

describe('aiSdkJudge unreadable answers', () => {
  const unsure = (first: string, second: string) =>
    first === 'red' && second === 'green' ? { text: 'Both are fine colours.' } : { text: 'A' };

  it('fails the call by default, naming the prompt, the order and the answer, and counts it', async () => {
    const judge = aiSdkJudge({ model: scriptedJudge(unsure) });
    const error = await judge.doCompare({ prompt, responses: responses.slice(0, 3) }).catch((e: unknown) => e);
    expect(PrefplayError.hasCode(error, 'http')).toBe(true);
    expect(String(error)).toContain('1 of 6 answers for prompt "p0" named neither A nor B');
    expect(String(error)).toContain('responses[0] shown before responses[1] answered "Both are fine colours."');
    expect(judge.stats.unreadableAnswers).toBe(1);
  });

  it('within maxUnreadableFraction takes the readable order alone, never 1/2', async () => {
    const model = scriptedJudge((first, second) =>
      first === 'red' && second === 'green'
        ? { text: 'no idea' }
        : { text: 'A', topLogprobs: choiceLogprobs(first === 'green' && second === 'red' ? 0.2 : 0.6) },
    );
    const m = await aiSdkJudge({ model, maxUnreadableFraction: 1 / 6 }).doCompare({
      prompt,
      responses: responses.slice(0, 3),
    });
    // green first vs red: P(green) = 0.2, so M_red,green = 1 − 0.2 = 0.8
    expect(m[0]?.[1]).toBeCloseTo(0.8, 12);
    expect(m[1]?.[0]).toBeCloseTo(0.2, 12);
    expect(m[0]?.[2]).toBeCloseTo((0.6 + 1 - 0.6) / 2, 12);
    expect(isConstantSum(m, 1e-12)).toBe(true);
  });

  it('fails a pair with no readable order whatever the threshold', async () => {
    const model = scriptedJudge((first, second) =>
      (first === 'red' && second === 'green') || (first === 'green' && second === 'red')
        ? { text: '?' }
        : { text: 'B' },
    );
    const error = await aiSdkJudge({ model, maxUnreadableFraction: 1 })
      .doCompare({ prompt, responses: responses.slice(0, 3) })
      .catch((e: unknown) => e);
    expect(PrefplayError.hasCode(error, 'http')).toBe(true);
    expect(String(error)).toContain('both orders of responses[0] and responses[1]');
  });
});

describe('aiSdkJudge failures, aborts and limits', () => {
  const unavailable = () =>
    new APICallError({
      message: 'Service Unavailable',
      url: 'https://judge.example/v1/chat/completions',
      requestBodyValues: {},
      statusCode: 503,
      responseHeaders: { 'retry-after-ms': '1' },
      isRetryable: true,
    });

  it("leaves retries to the AI SDK's maxRetries", async () => {
    let failures = 2;
    const flaky = new MockLanguageModelV3({
      doGenerate: async () => {
        if (failures-- > 0) throw unavailable();
        return generateResult({ text: 'A' });
      },
    });
    const m = await aiSdkJudge({ model: flaky, maxRetries: 2, concurrency: 1 }).doCompare({
      prompt,
      responses: responses.slice(0, 2),
    });
    expect(m[0]?.[1]).toBe(0.5);
    expect(flaky.doGenerateCalls).toHaveLength(2 + 2);

    failures = 1;
    const once = new MockLanguageModelV3({
      doGenerate: async () => {
        if (failures-- > 0) throw unavailable();
        return generateResult({ text: 'A' });
      },
    });
    const error = await aiSdkJudge({ model: once, maxRetries: 0 })
      .doCompare({ prompt, responses: responses.slice(0, 2) })
      .catch((e: unknown) => e);
    expect(PrefplayError.hasCode(error, 'http')).toBe(true);
    expect(String(error)).toContain('a comparison for prompt "p0" failed: Service Unavailable');
    expect(APICallError.isInstance((error as Error).cause)).toBe(true);
    expect(once.doGenerateCalls).toHaveLength(2);
  });

  it('does not retry a non-retryable provider error, and stops the other calls', async () => {
    const rejected = new MockLanguageModelV3({
      doGenerate: async () => {
        throw new APICallError({
          message: 'invalid api key',
          url: 'https://judge.example/v1/chat/completions',
          requestBodyValues: {},
          statusCode: 401,
          isRetryable: false,
        });
      },
    });
    const error = await aiSdkJudge({ model: rejected, maxRetries: 3, concurrency: 1 })
      .doCompare({ prompt, responses })
      .catch((e: unknown) => e);
    expect(String(error)).toContain('invalid api key');
    expect(rejected.doGenerateCalls).toHaveLength(1);
  });

  it('aborts: in-flight calls see the signal, queued ones never start, the call rejects with the reason', async () => {
    let started = 0;
    const hanging = new MockLanguageModelV3({
      doGenerate: (options) =>
        new Promise((_, reject) => {
          started++;
          options.abortSignal?.addEventListener('abort', () => reject(options.abortSignal?.reason), { once: true });
        }),
    });
    const controller = new AbortController();
    const pending = aiSdkJudge({ model: hanging, concurrency: 2 }).doCompare({
      prompt,
      responses,
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).toBe(2);
    const reason = new Error('stop now');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).toBe(2);
    expect(hanging.doGenerateCalls.every((c) => c.abortSignal?.aborted)).toBe(true);
  });

  it('rejects at once on an aborted signal, and even when the provider ignores the abort', async () => {
    const model = scriptedJudge(() => ({ text: 'A' }));
    const aborted = AbortSignal.abort(new Error('already'));
    await expect(aiSdkJudge({ model }).doCompare({ prompt, responses, signal: aborted })).rejects.toThrow('already');
    expect(model.doGenerateCalls).toHaveLength(0);

    const deaf = new MockLanguageModelV3({ doGenerate: () => new Promise(() => {}) });
    const controller = new AbortController();
    const pending = aiSdkJudge({ model: deaf }).doCompare({ prompt, responses, signal: controller.signal });
    controller.abort(new Error('deaf provider'));
    await expect(pending).rejects.toThrow('deaf provider');
  });

  it('keeps at most `concurrency` calls in flight across concurrent doCompare calls', async () => {
    let inFlight = 0;
    let most = 0;
    const slow = scriptedJudge(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return { text: 'A' };
    });
    const judge = aiSdkJudge({ model: slow, concurrency: 3 });
    await Promise.all([judge.doCompare({ prompt, responses }), judge.doCompare({ prompt, responses })]);
    expect(slow.doGenerateCalls).toHaveLength(24);
    expect(most).toBe(3);
  });

  it('rejects bad options and inputs with located errors', () => {
    const attempt = (options: unknown) => () => aiSdkJudge(options as never);
    expect(attempt({ model: {} })).toThrow(/"model": must be an AI SDK language model/);
    expect(attempt({ model: { specificationVersion: 'v4', doGenerate() {} } })).toThrow(/AI SDK 7/);
    expect(attempt({ model: 'openai/gpt-4o', userTemplate: 'A or B?' })).toThrow(/userTemplate/);
    expect(attempt({ model: 'openai/gpt-4o', topLogprob: 3 })).toThrow(/topLogprob/);
    expect(attempt({ model: 'openai/gpt-4o', maxUnreadableFraction: 2 })).toThrow(/maxUnreadableFraction/);
  });

  it('accepts a provider-spec V2 model (AI SDK 5 providers), which AI SDK 6 adapts', async () => {
    const calls: unknown[] = [];
    const v2 = {
      specificationVersion: 'v2' as const,
      provider: 'legacy',
      modelId: 'judge-v2',
      supportedUrls: {},
      async doGenerate(options: unknown) {
        calls.push(options);
        return {
          content: [{ type: 'text' as const, text: calls.length === 1 ? 'B' : 'A' }],
          finishReason: 'stop' as const,
          usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 },
          warnings: [],
        };
      },
      doStream: () => Promise.reject(new Error('not used')),
    };
    const judge = aiSdkJudge({ model: v2 });
    const m = await judge.doCompare({ prompt, responses: responses.slice(0, 2) });
    // red first → B, green first → A: green wins both orders
    expect(m[0]?.[1]).toBe(0);
    expect(judge.oracleId).toBe('ai-sdk-judge:legacy:judge-v2');
    expect(judge.stats).toMatchObject({ textAnswers: 2, inputTokens: 6 });
  });

  it('needs text or decode', async () => {
    const error = await aiSdkJudge({ model: scriptedJudge(() => ({ text: 'A' })) })
      .doCompare({ prompt, responses: [{ tokens: [1] }, { tokens: [2] }] })
      .catch((e: unknown) => e);
    expect(PrefplayError.hasCode(error, 'invalid-input')).toBe(true);
    expect((error as PrefplayError).where.field).toBe('responses[0].text');
    const decoded = scriptedJudge((first) => ({ text: first === 'w1' ? 'A' : 'B' }));
    const m = await aiSdkJudge({ model: decoded, decode: (t) => `w${t.join('')}` }).doCompare({
      prompt,
      responses: [{ tokens: [1] }, { tokens: [2] }],
    });
    expect(m[0]?.[1]).toBe(1);
  });
});
