import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { describe, expect, it } from 'vitest';
import { aiSdkJudge } from './ai-sdk-judge.js';
import { logprobsMetadataExtractor } from './logprobs-metadata-extractor.js';
import { parseLogprobs, readProviderLogprobs } from './read-provider-logprobs.js';

// The bodies below are written in the OpenAI API formats (chat completions, responses, legacy
// completions); the real @ai-sdk/openai and @ai-sdk/openai-compatible models parse them, so these
// tests check the metadata shapes those providers produce, not shapes assumed here.

type Recorded = { url: string; body: Record<string, unknown> };

/** A fetch that records request bodies and answers with `reply(body)` as JSON. */
function fakeFetch(reply: (body: Record<string, unknown>) => unknown) {
  const requests: Recorded[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    requests.push({ url: String(url), body });
    return new Response(JSON.stringify(reply(body)), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

/** log-probs of A and B the fake server gives, depending on which response was shown first. */
const lp = (body: Record<string, unknown>): { a: number; b: number } =>
  JSON.stringify(body).includes('Response A:\\nred') ? { a: -0.2, b: -1.8 } : { a: -1.0, b: -0.5 };

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
// P(A | red first) = σ(−0.2 + 1.8); P(A | green first) = σ(−1.0 + 0.5); M = (σ(1.6) + 1 − σ(−0.5)) / 2
const expected = (sigmoid(1.6) + 1 - sigmoid(-0.5)) / 2;

const prompt = { id: 'p', tokens: [], text: 'Name a colour.' };
const responses = [
  { tokens: [], text: 'red' },
  { tokens: [], text: 'green' },
];
const usage = { prompt_tokens: 40, completion_tokens: 1, total_tokens: 41 };

const chatBody = (body: Record<string, unknown>) => {
  const { a, b } = lp(body);
  const top = [
    { token: 'A', logprob: a, bytes: [65] },
    { token: 'B', logprob: b, bytes: [66] },
  ].sort((x, y) => y.logprob - x.logprob);
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: top[0]?.token },
        logprobs: { content: [{ ...top[0], top_logprobs: top }] },
        finish_reason: 'stop',
      },
    ],
    usage,
  };
};

describe('readProviderLogprobs on real AI SDK providers', () => {
  it('reads @ai-sdk/openai chat models, which were asked for logprobs and top_logprobs', async () => {
    const server = fakeFetch(chatBody);
    const openai = createOpenAI({ apiKey: 'test', baseURL: 'http://openai.invalid/v1', fetch: server.fetch });
    const judge = aiSdkJudge({ model: openai.chat('gpt-4o-mini'), maxRetries: 0 });
    const m = await judge.doCompare({ prompt, responses });
    expect(m[0]?.[1]).toBeCloseTo(expected, 12);
    expect(judge.stats.logprobAnswers).toBe(2);
    expect(server.requests[0]?.url).toBe('http://openai.invalid/v1/chat/completions');
    expect(server.requests[0]?.body).toMatchObject({ logprobs: true, top_logprobs: 5, temperature: 0 });
  });

  it('reads @ai-sdk/openai responses models (one list per output text part)', async () => {
    const server = fakeFetch((body) => {
      const { a, b } = lp(body);
      const top = [
        { token: 'A', logprob: a },
        { token: 'B', logprob: b },
      ].sort((x, y) => y.logprob - x.logprob);
      return {
        id: 'resp_1',
        object: 'response',
        created_at: 1,
        status: 'completed',
        model: 'm',
        error: null,
        incomplete_details: null,
        output: [
          {
            type: 'message',
            id: 'msg_1',
            status: 'completed',
            role: 'assistant',
            content: [
              {
                type: 'output_text',
                text: top[0]?.token,
                annotations: [],
                logprobs: [{ ...top[0], top_logprobs: top }],
              },
            ],
          },
        ],
        usage: {
          input_tokens: 40,
          output_tokens: 1,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens_details: { reasoning_tokens: 0 },
        },
      };
    });
    const openai = createOpenAI({ apiKey: 'test', baseURL: 'http://openai.invalid/v1', fetch: server.fetch });
    const judge = aiSdkJudge({ model: openai.responses('gpt-4o-mini'), maxRetries: 0 });
    const m = await judge.doCompare({ prompt, responses });
    expect(m[0]?.[1]).toBeCloseTo(expected, 12);
    expect(judge.stats.logprobAnswers).toBe(2);
    expect(server.requests[0]?.url).toBe('http://openai.invalid/v1/responses');
    expect(server.requests[0]?.body).toMatchObject({ top_logprobs: 5 });
    expect(server.requests[0]?.body.include).toContain('message.output_text.logprobs');
  });

  it('reads @ai-sdk/openai completion models (tokens, token_logprobs, top_logprobs records)', async () => {
    const server = fakeFetch((body) => {
      const { a, b } = lp(body);
      const token = a > b ? 'A' : 'B';
      return {
        id: 'cmpl-1',
        object: 'text_completion',
        created: 1,
        model: 'm',
        choices: [
          {
            text: token,
            index: 0,
            finish_reason: 'stop',
            logprobs: { tokens: [token], token_logprobs: [Math.max(a, b)], top_logprobs: [{ A: a, B: b }] },
          },
        ],
        usage,
      };
    });
    const openai = createOpenAI({ apiKey: 'test', baseURL: 'http://openai.invalid/v1', fetch: server.fetch });
    const judge = aiSdkJudge({ model: openai.completion('gpt-3.5-turbo-instruct'), maxRetries: 0 });
    const m = await judge.doCompare({ prompt, responses });
    expect(m[0]?.[1]).toBeCloseTo(expected, 12);
    expect(server.requests[0]?.body).toMatchObject({ logprobs: 5 });
  });

  it('reads an OpenAI-compatible server through logprobsMetadataExtractor', async () => {
    const server = fakeFetch(chatBody);
    const vllm = createOpenAICompatible({
      name: 'vllm',
      baseURL: 'http://vllm.invalid/v1',
      fetch: server.fetch,
      metadataExtractor: logprobsMetadataExtractor('vllm'),
    });
    const judge = aiSdkJudge({
      model: vllm.chatModel('qwen'),
      topLogprobs: 0,
      providerOptions: { vllm: { logprobs: true, top_logprobs: 5 } },
      maxRetries: 0,
    });
    const m = await judge.doCompare({ prompt, responses });
    expect(m[0]?.[1]).toBeCloseTo(expected, 12);
    expect(judge.stats.logprobAnswers).toBe(2);
    expect(server.requests[0]?.body).toMatchObject({ logprobs: true, top_logprobs: 5 });

    // without the extractor the same server's log-probs do not reach the judge: it reads the text
    const plain = createOpenAICompatible({ name: 'vllm', baseURL: 'http://vllm.invalid/v1', fetch: server.fetch });
    const textJudge = aiSdkJudge({ model: plain.chatModel('qwen'), topLogprobs: 0, maxRetries: 0 });
    const t = await textJudge.doCompare({ prompt, responses });
    expect(textJudge.stats.textAnswers).toBe(2);
    expect(t[0]?.[1]).toBe(1); // red first → "A"; green first → "B" (b > a): red wins both
  });
});

describe('parseLogprobs', () => {
  it('normalises the three shapes to positions and rejects anything else', () => {
    const position = { token: 'A', logprob: -0.1, topLogprobs: [{ token: 'A', logprob: -0.1 }] };
    expect(parseLogprobs([{ token: 'A', logprob: -0.1, top_logprobs: [{ token: 'A', logprob: -0.1 }] }])).toEqual([
      position,
    ]);
    expect(parseLogprobs([[{ token: 'A', logprob: -0.1, top_logprobs: [{ token: 'A', logprob: -0.1 }] }]])).toEqual([
      position,
    ]);
    expect(parseLogprobs({ tokens: ['A'], token_logprobs: [-0.1], top_logprobs: [{ A: -0.1 }] })).toEqual([position]);
    expect(parseLogprobs([{ token: 'A' }])).toBeUndefined();
    expect(parseLogprobs('A')).toBeUndefined();
    expect(readProviderLogprobs({ google: { safetyRatings: [] }, azure: { logprobs: [] } })).toBeUndefined();
    expect(readProviderLogprobs({ google: {}, azure: { logprobs: [{ token: 'B', logprob: 0 }] } })).toEqual([
      { token: 'B', logprob: 0, topLogprobs: [] },
    ]);
    expect(readProviderLogprobs(undefined)).toBeUndefined();
  });
});
