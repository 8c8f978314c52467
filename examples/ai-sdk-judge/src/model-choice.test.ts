import { type ComponentContextV1, createRng, PrefplayError } from '@prefplay/core';
import { createSyntheticTask, drawReferenceResponse, fillerWords } from '@prefplay/synthetic';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { aiSdkJudgePlugin } from './ai-sdk-judge-plugin.js';

// The "openai" models are the real @ai-sdk/openai ones; a stubbed global fetch plays the OpenAI
// API (its chat-completions and embeddings formats), so these tests check what the provider sends
// and parses, with the key taken from the environment variable the options name.

const judgeFactory = aiSdkJudgePlugin.oracles['ai-sdk-judge'];
const encoderFactory = aiSdkJudgePlugin.encoders['ai-sdk-encoder'];
const context = (env: Record<string, string>, task?: unknown): ComponentContextV1 => ({
  where: 'oracle',
  env,
  ...(task !== undefined ? { task } : {}),
});

type Request = { url: string; authorization: string | null; body: Record<string, unknown> };

function stubFetch(reply: (body: Record<string, unknown>) => unknown): Request[] {
  const requests: Request[] = [];
  vi.stubGlobal('fetch', async (url: string | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    requests.push({ url: String(url), authorization: new Headers(init?.headers).get('authorization'), body });
    return new Response(JSON.stringify(reply(body)), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return requests;
}
afterEach(() => {
  vi.unstubAllGlobals();
});

function errorOf(run: () => unknown): PrefplayError {
  try {
    run();
  } catch (error) {
    if (PrefplayError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a PrefplayError');
}

const prompt = { id: 'p', tokens: [], text: 'Name a colour.' };
const responses = [
  { tokens: [], text: 'red' },
  { tokens: [], text: 'green' },
];

describe('model choice', () => {
  it('openai: a chat model with the key from the environment variable named by apiKeyEnv', async () => {
    // ln P(A) = −0.2, ln P(B) = −1.8 whatever the order: M = (σ(1.6) + 1 − σ(1.6)) / 2 = 1/2
    const requests = stubFetch(() => ({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'A' },
          logprobs: {
            content: [
              {
                token: 'A',
                logprob: -0.2,
                top_logprobs: [
                  { token: 'A', logprob: -0.2 },
                  { token: 'B', logprob: -1.8 },
                ],
              },
            ],
          },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 40, completion_tokens: 1, total_tokens: 41 },
    }));
    const judge = await judgeFactory(
      { model: { provider: 'openai', id: 'gpt-4o-mini', apiKeyEnv: 'JUDGE_KEY', baseURL: 'http://judge.invalid/v1' } },
      context({ JUDGE_KEY: 'sk-from-env' }),
    );
    const m = await judge.doCompare({ prompt, responses });
    expect(m[0]?.[1]).toBeCloseTo(0.5, 12);
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      expect(request.url).toBe('http://judge.invalid/v1/chat/completions');
      expect(request.authorization).toBe('Bearer sk-from-env');
      expect(request.body).toMatchObject({ model: 'gpt-4o-mini', logprobs: true, top_logprobs: 5 });
    }
  });

  it('openai: an embedding model, vectors made unit length', async () => {
    const requests = stubFetch((body) => ({
      object: 'list',
      data: (body.input as string[]).map((text, index) => ({
        object: 'embedding',
        index,
        embedding: text === 'red' ? [3, 4] : [0, 2],
      })),
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    }));
    const encoder = await encoderFactory(
      { model: { provider: 'openai', id: 'text-embedding-3-small' } },
      context({ OPENAI_API_KEY: 'sk-default-variable' }),
    );
    expect(await encoder.doEncode({ responses })).toEqual([
      [0.6, 0.8],
      [0, 1],
    ]);
    expect(requests[0]?.url).toBe('https://api.openai.com/v1/embeddings');
    expect(requests[0]?.authorization).toBe('Bearer sk-default-variable');
    expect(requests[0]?.body).toMatchObject({ model: 'text-embedding-3-small', input: ['red', 'green'] });
  });

  it('names the unset environment variable, and never echoes a key written in the config', () => {
    const unset = errorOf(() => judgeFactory({ model: { provider: 'openai', id: 'gpt-4o-mini' } }, context({})));
    expect(unset.code).toBe('invalid-config');
    expect(unset.where.fieldPath).toEqual(['model', 'apiKeyEnv']);
    expect(unset.message).toMatch(/environment variable OPENAI_API_KEY named by model\.apiKeyEnv is not set/);

    const keyAsName = errorOf(() =>
      judgeFactory({ model: { provider: 'openai', id: 'gpt-4o-mini', apiKeyEnv: 'sk-proj-abc123' } }, context({})),
    );
    expect(keyAsName.where.fieldPath).toEqual(['model', 'apiKeyEnv']);
    expect(keyAsName.message).toMatch(/must be the name of an environment variable/);
    expect(keyAsName.message).not.toContain('abc123');

    const keyInConfig = errorOf(() =>
      judgeFactory({ model: { provider: 'openai', id: 'gpt-4o-mini', apiKey: 'sk-proj-abc123' } }, context({})),
    );
    expect(keyInConfig.where.fieldPath).toEqual(['model', 'apiKey']);
    expect(keyInConfig.message).toMatch(/unknown key "apiKey".*apiKeyEnv/);
    expect(keyInConfig.message).not.toContain('abc123');
  });

  it('rejects unknown options and providers by field, and task-mock without a task', () => {
    expect(
      errorOf(() => judgeFactory({ model: { provider: 'task-mock' }, concurrency: 0 }, context({}))).where.fieldPath,
    ).toEqual(['concurrency']);
    expect(
      errorOf(() => judgeFactory({ model: { provider: 'task-mock' }, temprature: 0 }, context({}))).where.fieldPath,
    ).toEqual(['temprature']);
    expect(errorOf(() => encoderFactory({ model: { provider: 'anthropic' } }, context({}))).where.fieldPath).toEqual([
      'model',
      'provider',
    ]);
    expect(errorOf(() => encoderFactory({}, context({}))).where.fieldPath).toEqual(['model']);
    const noTask = errorOf(() => judgeFactory({ model: { provider: 'task-mock' } }, context({})));
    expect(noTask.message).toMatch(/answer from the synthetic task, and this run has none/);
    expect(noTask.where.fieldPath).toEqual(['model', 'provider']);
  });

  it("task-mock: the judge answers with the task oracle's log-probs, the encoder with its embeddings", async () => {
    const task = createSyntheticTask({ seed: 3 });
    const trainPrompt = task.trainPrompts[0];
    if (!trainPrompt) throw new Error('no prompts');
    const claim = (seed: number) => drawReferenceResponse(createRng(seed).fork(trainPrompt.id), trainPrompt.topic, 0);
    const [one, other] = [claim(0), [1, 2, 3, 4].map(claim).find((c) => c !== claim(0)) as string];
    // two claims, the first again with filler words (same meaning), and a malformed word salad
    const texts = [one, `${fillerWords[0]} ${fillerWords[1]} ${one}`, other, other.split(' ').reverse().join(' ')];
    const judge = await judgeFactory({ model: { provider: 'task-mock' } }, context({}, task));
    const got = await judge.doCompare({ prompt: trainPrompt, responses: texts.map((t) => ({ tokens: [], text: t })) });
    const want = await task.trainingOracle.doCompare({
      prompt: trainPrompt,
      responses: texts.map((t) => task.response(t)),
    });
    got.forEach((row, i) => {
      row.forEach((v, j) => {
        expect(v).toBeCloseTo(want[i]?.[j] as number, 12);
      });
    });
    const offDiagonal = want.flatMap((row, i) => row.filter((_, j) => j > i));
    expect(new Set(offDiagonal).size, 'the texts make distinct preferences').toBeGreaterThan(2);
    const encoder = await encoderFactory({ model: { provider: 'task-mock' } }, context({}, task));
    expect(await encoder.doEncode({ responses: texts.map((t) => ({ tokens: [], text: t })) })).toEqual(
      await task.encoder.doEncode({ responses: texts.map((t) => task.response(t)) }),
    );
  });
});
