import { PrefplayError, type PromptV1 } from '@prefplay/core';
import { afterEach, describe, expect, it } from 'vitest';
import { mapFinishReason, openAISampler } from './openai-sampler.js';
import {
  chatCompletionBody,
  completionBody,
  type OpenAITestServer,
  startOpenAITestServer,
  testReply,
} from './openai-test-server.js';

const servers: OpenAITestServer[] = [];
async function start(options: Parameters<typeof startOpenAITestServer>[0]): Promise<OpenAITestServer> {
  const server = await startOpenAITestServer({ maxRequests: 100, ...options });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const prompts: PromptV1[] = [
  { id: 'p0', tokens: [1, 5], text: 'one' },
  { id: 'p1', tokens: [1, 6], text: 'two' },
];

describe('openAISampler', () => {
  it('draws K samples per prompt with `n`, in index order, with finish reasons and log-probs', async () => {
    const server = await start({
      completions: ({ body }) => {
        const n = body.n as number;
        const choices = Array.from({ length: n }, (_, i) => ({
          text: `${String(body.prompt)}-${i}`,
          finishReason: i % 2 === 0 ? 'stop' : 'length',
          tokenLogprobs: [-0.5, -0.25 * (i + 1)],
        }));
        const reply = completionBody(choices) as { choices: { index: number }[] };
        reply.choices.reverse(); // the server lists them out of order
        return reply;
      },
    });
    const sampler = openAISampler({
      baseURL: server.baseURL,
      model: 'tiny',
      temperature: 0.7,
      topP: 0.9,
      maxTokens: 16,
      tokenize: (text) => [...text].map((c) => c.charCodeAt(0)),
    });
    const samples = await sampler.doSample({ prompts, samplesPerPrompt: 3, seed: 42 });
    expect(samples.map((row) => row.map((s) => s.text))).toEqual([
      ['one-0', 'one-1', 'one-2'],
      ['two-0', 'two-1', 'two-2'],
    ]);
    const first = samples[0]?.[1];
    expect(first?.finishReason).toBe('length');
    expect(samples[0]?.[0]?.finishReason).toBe('stop');
    expect(first?.logprob).toBeCloseTo(-0.5 - 0.5, 12);
    expect(first?.seed).toBe(42);
    expect(first?.tokens).toEqual([...'one-1'].map((c) => c.charCodeAt(0)));
    expect(first?.settings).toMatchObject({ model: 'tiny', mode: 'completions', temperature: 0.7, topP: 0.9 });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]?.path).toBe('/v1/completions');
    expect(server.requests[0]?.body).toMatchObject({
      model: 'tiny',
      prompt: 'one',
      n: 3,
      seed: 42,
      max_tokens: 16,
      temperature: 0.7,
      top_p: 0.9,
      logprobs: 1,
    });
  });

  it('repeats calls with seed + k in chat mode', async () => {
    const server = await start({
      chat: ({ body }) => {
        const messages = body.messages as { content: string }[];
        return chatCompletionBody([
          {
            content: `${messages[0]?.content}#${String(body.seed)}`,
            finishReason: 'stop',
            logprobs: [
              { token: 'x', logprob: -1 },
              { token: 'y', logprob: -2 },
            ],
          },
        ]);
      },
    });
    const sampler = openAISampler({ baseURL: server.baseURL, model: 'm', mode: 'chat', nSupport: 'repeat' });
    const samples = await sampler.doSample({ prompts, samplesPerPrompt: 2, seed: 7 });
    expect(samples.map((row) => row.map((s) => [s.text, s.seed]))).toEqual([
      [
        ['one#7', 7],
        ['one#8', 8],
      ],
      [
        ['two#7', 7],
        ['two#8', 8],
      ],
    ]);
    expect(samples[1]?.[1]?.tokens).toEqual([]);
    expect(samples[1]?.[1]?.logprob).toBe(-3);
    expect(server.requests).toHaveLength(4);
    for (const request of server.requests) {
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.body).toMatchObject({ n: 1, logprobs: true });
    }
  });

  it('retries a 5xx, and reports a server that ignores `n`', async () => {
    const flaky = await start({ faults: [{ status: 500, times: 1 }] });
    const sampler = openAISampler({ baseURL: flaky.baseURL, model: 'm', backoffMs: 1, nSupport: 'repeat' });
    const samples = await sampler.doSample({ prompts: prompts.slice(0, 1), samplesPerPrompt: 1, seed: 0 });
    expect(samples[0]?.[0]?.text).toBe('ok');
    expect(samples[0]?.[0]?.logprob).toBeUndefined();
    expect(flaky.requests).toHaveLength(2);

    const ignoresN = await start({});
    const nSampler = openAISampler({ baseURL: ignoresN.baseURL, model: 'm' });
    await expect(nSampler.doSample({ prompts, samplesPerPrompt: 3, seed: 0 })).rejects.toThrow(/nSupport: 'repeat'/);
  });

  it('fails clearly on timeouts, malformed bodies and missing fields', async () => {
    const slow = await start({ completions: () => testReply({ delayMs: 5000, json: completionBody(['late']) }) });
    const slowSampler = openAISampler({ baseURL: slow.baseURL, model: 'm', timeoutMs: 150, retries: 1, backoffMs: 1 });
    const error = await slowSampler
      .doSample({ prompts: prompts.slice(0, 1), samplesPerPrompt: 1, seed: 0 })
      .catch((e: unknown) => e);
    expect(PrefplayError.hasCode(error, 'http')).toBe(true);
    expect((error as Error).message).toMatch(/timed out after 150 ms \(2 attempts\)/);
    expect(slow.requests.length).toBeLessThanOrEqual(2);

    const broken = await start({ faults: [{ malformed: true, times: 5 }] });
    const brokenSampler = openAISampler({ baseURL: broken.baseURL, model: 'm', retries: 0 });
    await expect(brokenSampler.doSample({ prompts, samplesPerPrompt: 1, seed: 0 })).rejects.toThrow(/not JSON/);

    const missing = await start({ faults: [{ json: { choices: [{ index: 0, finish_reason: 'stop' }] }, times: 5 }] });
    const missingSampler = openAISampler({ baseURL: missing.baseURL, model: 'm', retries: 0 });
    await expect(missingSampler.doSample({ prompts, samplesPerPrompt: 1, seed: 0 })).rejects.toThrow(
      /completion answer.*choices\[0\]\.text/,
    );
  });

  it('rejects a null token log-prob instead of summing the others', async () => {
    // vLLM-style completions reply whose second token carries no log-prob.
    const server = await start({
      completions: () => {
        const reply = completionBody([{ text: 'abc', tokenLogprobs: [-0.5, 0, -0.25] }]) as {
          choices: { logprobs: { token_logprobs: (number | null)[] } }[];
        };
        (reply.choices[0] as { logprobs: { token_logprobs: (number | null)[] } }).logprobs.token_logprobs[1] = null;
        return reply;
      },
      chat: () => {
        const reply = chatCompletionBody([
          {
            content: 'xy',
            logprobs: [
              { token: 'x', logprob: -1 },
              { token: 'y', logprob: -2 },
            ],
          },
        ]) as { choices: { logprobs: { content: { logprob: number | null }[] } }[] };
        ((reply.choices[0]?.logprobs.content ?? [])[0] as { logprob: number | null }).logprob = null;
        return reply;
      },
    });
    const sampler = openAISampler({ baseURL: server.baseURL, model: 'm', retries: 0 });
    const error = await sampler
      .doSample({ prompts: prompts.slice(0, 1), samplesPerPrompt: 1, seed: 0 })
      .catch((e) => e);
    expect(PrefplayError.hasCode(error, 'http')).toBe(true);
    expect((error as Error).message).toMatch(/null log-prob for token 1 of 3 in choice 0/);
    expect((error as Error).message).toMatch(/logprobs: false/);
    const chat = openAISampler({ baseURL: server.baseURL, model: 'm', mode: 'chat', retries: 0 });
    await expect(chat.doSample({ prompts: prompts.slice(0, 1), samplesPerPrompt: 1, seed: 0 })).rejects.toThrow(
      /null log-prob for token 0 of 2 in choice 0/,
    );
    // Without log-probs asked, log-probs a server sends anyway are ignored: the sample records none.
    const plain = openAISampler({ baseURL: server.baseURL, model: 'm', logprobs: false, retries: 0 });
    const samples = await plain.doSample({ prompts: prompts.slice(0, 1), samplesPerPrompt: 1, seed: 0 });
    expect(samples[0]?.[0]?.text).toBe('abc');
    expect(samples[0]?.[0]?.logprob).toBeUndefined();
  });

  it('rejects repeated and out-of-range choice indices', async () => {
    let indices = [0, 0];
    const server = await start({
      completions: () => {
        const reply = completionBody(['first', 'second']) as { choices: { index: number }[] };
        reply.choices.forEach((choice, i) => {
          choice.index = indices[i] as number;
        });
        return reply;
      },
    });
    const sampler = openAISampler({ baseURL: server.baseURL, model: 'm', retries: 0 });
    const ask = () => sampler.doSample({ prompts: prompts.slice(0, 1), samplesPerPrompt: 2, seed: 0 });
    await expect(ask()).rejects.toThrow(/returned choice index 0 twice/);
    indices = [0, 2];
    await expect(ask()).rejects.toThrow(/returned choice index 2 where n = 2 were asked/);
    indices = [1, 0];
    expect((await ask())[0]?.map((s) => s.text)).toEqual(['second', 'first']);
  });

  it('aborts every request in flight on the caller signal, without piling listeners on it', async () => {
    const server = await start({ completions: () => testReply({ delayMs: 5000, json: completionBody(['late']) }) });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const sampler = openAISampler({ baseURL: server.baseURL, model: 'm', nSupport: 'repeat', concurrency: 32 });
      const controller = new AbortController();
      const many = Array.from({ length: 8 }, (_, i) => ({ id: `p${i}`, tokens: [], text: `q${i}` }));
      const pending = sampler.doSample({ prompts: many, samplesPerPrompt: 3, seed: 0, signal: controller.signal });
      while (server.inFlight < 24) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort(new Error('stop'));
      await expect(pending).rejects.toThrow(/cancelled by the caller/);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('needs prompt text or detokenize, and validates options', async () => {
    const server = await start({});
    const noText = [{ id: 'p', tokens: [1, 2] }];
    const sampler = openAISampler({ baseURL: server.baseURL, model: 'm' });
    await expect(sampler.doSample({ prompts: noText, samplesPerPrompt: 1, seed: 0 })).rejects.toThrow(
      /prompts\[0\]\.text/,
    );
    const withDecode = openAISampler({
      baseURL: server.baseURL,
      model: 'm',
      detokenize: (tokens) => tokens.join(','),
    });
    await withDecode.doSample({ prompts: noText, samplesPerPrompt: 1, seed: 0 });
    expect(server.requests[0]?.body.prompt).toBe('1,2');
    expect(() => openAISampler({ baseURL: server.baseURL, model: 'm', topP: 0 })).toThrow(
      /openAISampler options.*topP/,
    );
    expect(() => openAISampler({ baseURL: server.baseURL, model: 'm', mode: 'edit' as 'chat' })).toThrow(/mode/);
  });

  it('maps finish reasons', () => {
    expect(mapFinishReason('length')).toBe('length');
    expect(mapFinishReason('stop')).toBe('stop');
    expect(mapFinishReason('eos')).toBe('stop');
    expect(mapFinishReason(null)).toBe('stop');
    expect(mapFinishReason('content_filter')).toBe('error');
  });
});
