import { PrefplayError } from '@prefplay/core';
import { APICallError } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GenerateResult, userText } from './__fixtures__/mock-judge-model.js';
import { aiSdkSampler, mapFinishReason } from './ai-sdk-sampler.js';

type Global = { AI_SDK_LOG_WARNINGS?: boolean };
let logWarnings: boolean | undefined;
beforeAll(() => {
  logWarnings = (globalThis as Global).AI_SDK_LOG_WARNINGS;
  (globalThis as Global).AI_SDK_LOG_WARNINGS = false; // the seed warnings below are expected
});
afterAll(() => {
  if (logWarnings === undefined) delete (globalThis as Global).AI_SDK_LOG_WARNINGS;
  else (globalThis as Global).AI_SDK_LOG_WARNINGS = logWarnings;
});

const prompts = [
  { id: 'a', tokens: [1], text: 'Say hi.' },
  { id: 'b', tokens: [2], text: 'Say bye.' },
];

/** Answers `<prompt text> #<seed>`; seeds ≥ 12 stop on length, 13 on the content filter. */
function echoModel(extra: Partial<GenerateResult> = {}) {
  return new MockLanguageModelV3({
    doGenerate: async (options) => ({
      content: [{ type: 'text', text: `${userText(options)} #${options.seed}` }],
      finishReason:
        options.seed === 13
          ? { unified: 'content-filter', raw: 'content_filter' }
          : (options.seed ?? 0) >= 12
            ? { unified: 'length', raw: 'length' }
            : { unified: 'stop', raw: 'eos' },
      usage: {
        inputTokens: { total: 5, noCache: 5, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 3, text: 3, reasoning: undefined },
      },
      warnings: [],
      ...extra,
    }),
  });
}

describe('aiSdkSampler', () => {
  it('draws K responses per prompt with seed + k, recording finish reasons, usage and settings', async () => {
    const model = echoModel();
    const sampler = aiSdkSampler({
      model,
      temperature: 0.7,
      maxOutputTokens: 32,
      tokenize: (text) => [...text].map((c) => c.charCodeAt(0)),
    });
    const samples = await sampler.doSample({ prompts, samplesPerPrompt: 4, seed: 10 });
    expect(samples.map((row) => row.map((s) => s.text))).toEqual([
      ['Say hi. #10', 'Say hi. #11', 'Say hi. #12', 'Say hi. #13'],
      ['Say bye. #10', 'Say bye. #11', 'Say bye. #12', 'Say bye. #13'],
    ]);
    const first = samples[0]?.[0];
    expect(first?.seed).toBe(10);
    expect(first?.tokens).toEqual([...'Say hi. #10'].map((c) => c.charCodeAt(0)));
    expect(samples[0]?.map((s) => s.finishReason)).toEqual(['stop', 'stop', 'length', 'error']);
    expect(samples[0]?.map((s) => s.rawFinishReason)).toEqual(['eos', 'eos', 'length', 'content_filter']);
    expect(first?.usage).toMatchObject({ inputTokens: 5, outputTokens: 3 });
    expect(first?.settings).toEqual({ model: 'mock-provider:mock-model-id', temperature: 0.7, maxOutputTokens: 32 });
    expect(first?.logprob).toBeUndefined();
    expect(model.doGenerateCalls.map((c) => c.seed).sort()).toEqual([10, 10, 11, 11, 12, 12, 13, 13]);
    expect(model.doGenerateCalls[0]).toMatchObject({ temperature: 0.7, maxOutputTokens: 32 });
    expect(sampler.stats).toEqual({
      calls: 8,
      inputTokens: 40,
      outputTokens: 24,
      seedIgnored: 0,
      finishReasons: { stop: 4, length: 2, 'content-filter': 2 },
    });
    // same seed, same calls
    const again = await aiSdkSampler({ model: echoModel() }).doSample({ prompts, samplesPerPrompt: 4, seed: 10 });
    expect(again.map((row) => row.map((s) => s.text))).toEqual(samples.map((row) => row.map((s) => s.text)));
  });

  it('sends chat messages from renderPrompt, a system message, and sums reported log-probs', async () => {
    const model = echoModel({
      providerMetadata: {
        openai: {
          logprobs: [
            { token: 'hi', logprob: -0.25, top_logprobs: [] },
            { token: '!', logprob: -0.5, top_logprobs: [] },
          ],
        },
      },
    });
    const sampler = aiSdkSampler({
      model,
      system: 'Be brief.',
      logprobs: true,
      renderPrompt: (prompt) => [
        { role: 'user', content: 'Hello.' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: prompt.text ?? '' },
      ],
    });
    const [row] = await sampler.doSample({ prompts: prompts.slice(0, 1), samplesPerPrompt: 2, seed: 0 });
    const call = model.doGenerateCalls[0];
    expect(call?.prompt.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(call?.providerOptions).toEqual({ openai: { logprobs: 1 } });
    expect(row?.[0]?.logprob).toBeCloseTo(-0.75, 15);
    expect(row?.[0]?.tokens).toEqual([]);
  });

  it('records that a provider ignored the seed', async () => {
    const model = echoModel({ warnings: [{ type: 'unsupported', feature: 'seed', details: 'no seeds here' }] });
    const sampler = aiSdkSampler({ model });
    const [row] = await sampler.doSample({ prompts: prompts.slice(0, 1), samplesPerPrompt: 2, seed: 3 });
    expect(row?.[0]?.warnings).toEqual(['unsupported: seed (no seeds here)']);
    expect(sampler.stats.seedIgnored).toBe(2);
  });

  it('maps every AI SDK finish reason onto prefplay’s three', () => {
    expect(
      (['stop', 'length', 'content-filter', 'tool-calls', 'error', 'other'] as const).map(mapFinishReason),
    ).toEqual(['stop', 'length', 'error', 'stop', 'error', 'stop']);
  });

  it('names the prompt of a failed call, keeps the provider error as cause, and aborts', async () => {
    const failing = new MockLanguageModelV3({
      doGenerate: async (options) => {
        if (userText(options) === 'Say bye.') {
          throw new APICallError({ message: 'quota exceeded', url: 'u', requestBodyValues: {}, isRetryable: false });
        }
        return new Promise(() => {});
      },
    });
    const error = await aiSdkSampler({ model: failing })
      .doSample({ prompts, samplesPerPrompt: 1, seed: 0 })
      .catch((e: unknown) => e);
    expect(PrefplayError.hasCode(error, 'http')).toBe(true);
    expect(String(error)).toContain('sampling prompts[1] (id "b") failed: quota exceeded');
    expect(APICallError.isInstance((error as Error).cause)).toBe(true);
    expect(failing.doGenerateCalls[0]?.abortSignal?.aborted).toBe(true);

    const controller = new AbortController();
    const hanging = new MockLanguageModelV3({ doGenerate: () => new Promise(() => {}) });
    const pending = aiSdkSampler({ model: hanging, concurrency: 1 }).doSample({
      prompts,
      samplesPerPrompt: 3,
      seed: 0,
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(hanging.doGenerateCalls).toHaveLength(1);
    controller.abort(new Error('user stop'));
    await expect(pending).rejects.toThrow('user stop');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(hanging.doGenerateCalls).toHaveLength(1);
    expect(hanging.doGenerateCalls[0]?.abortSignal?.aborted).toBe(true);
  });

  it('rejects bad arguments with located errors', async () => {
    const sampler = aiSdkSampler({ model: echoModel() });
    await expect(sampler.doSample({ prompts, samplesPerPrompt: 0, seed: 0 })).rejects.toThrow(/samplesPerPrompt/);
    await expect(sampler.doSample({ prompts, samplesPerPrompt: 1, seed: 0.5 })).rejects.toThrow(/seed/);
    const error = await sampler
      .doSample({ prompts: [{ id: 'x', tokens: [1] }], samplesPerPrompt: 1, seed: 0 })
      .catch((e: unknown) => e);
    expect((error as PrefplayError).where.field).toBe('prompts[0].text');
    expect(() => aiSdkSampler({ model: echoModel(), temperature: 3 })).toThrow(/temperature/);
    expect(() => aiSdkSampler({ model: echoModel(), n: 2 } as never)).toThrow(/n/);
  });
});
