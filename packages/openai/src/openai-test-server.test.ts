import { afterEach, describe, expect, it } from 'vitest';
import { type OpenAITestServer, startOpenAITestServer, testReply } from './openai-test-server.js';

const servers: OpenAITestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function post(url: string, body: unknown): Promise<{ status: number; text: string; retryAfter: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(2000),
  });
  return { status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
}

describe('startOpenAITestServer', () => {
  it('serves the three routes, records bodies and applies faults in order by route', async () => {
    const server = await startOpenAITestServer({
      chat: ({ body }) => ({ echo: body.model }),
      faults: [
        { route: 'embeddings', status: 503, retryAfter: 2 },
        { route: 'chat', malformed: true, times: 2 },
        { route: 'chat', json: { partial: true } },
      ],
    });
    servers.push(server);
    expect(server.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const chat = `${server.baseURL}/chat/completions`;
    const embed = await post(`${server.baseURL}/embeddings`, { model: 'e', input: ['a'] });
    expect(embed.status).toBe(503);
    expect(embed.retryAfter).toBe('2');
    const first = await post(chat, { model: 'c' });
    const second = await post(chat, { model: 'c' });
    expect(() => JSON.parse(first.text)).toThrow();
    expect(() => JSON.parse(second.text)).toThrow();
    expect(JSON.parse((await post(chat, { model: 'c' })).text)).toEqual({ partial: true });
    expect(JSON.parse((await post(chat, { model: 'c' })).text)).toEqual({ echo: 'c' });
    const embedded = JSON.parse((await post(`${server.baseURL}/embeddings`, { model: 'e', input: ['a', 'b'] })).text);
    expect(embedded.data).toHaveLength(2);
    expect((await post(`${server.baseURL}/completions`, { prompt: 'x' })).status).toBe(200);
    expect((await post(`${server.baseURL}/models`, {})).status).toBe(404);
    expect(server.requests.map((r) => r.route)).toEqual([
      'embeddings',
      'chat',
      'chat',
      'chat',
      'chat',
      'embeddings',
      'completions',
    ]);
    expect(server.requests[1]?.body).toEqual({ model: 'c' });
  });

  it('counts requests in flight and answers delayed replies', async () => {
    const server = await startOpenAITestServer({
      completions: () => testReply({ delayMs: 100, status: 201, json: { late: true } }),
      maxRequests: 3,
    });
    servers.push(server);
    const url = `${server.baseURL}/completions`;
    const answers = await Promise.all([post(url, {}), post(url, {}), post(url, {})]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(server.maxInFlight).toBe(3);
    expect(server.inFlight).toBe(0);
    expect((await post(url, {})).status).toBe(429);
  });
});
