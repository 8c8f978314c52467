import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PrefplayError } from './errors.js';
import { createHttpClient, type HttpRequestError, joinURL } from './http-client.js';
import { parseRetryAfter } from './retry-policy.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse, count: number) => void;

type LocalServer = { baseURL: string; count: () => number; maxInFlight: () => number; close: () => Promise<void> };

const servers: LocalServer[] = [];

async function startServer(handler: Handler, maxRequests = 50): Promise<LocalServer> {
  let count = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((request, response) => {
    count++;
    if (count > maxRequests) {
      response.statusCode = 400;
      response.end('too many requests in one test');
      return;
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    response.on('close', () => {
      inFlight--;
    });
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handler(request, Buffer.concat(chunks).toString('utf8'), response, count));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const local: LocalServer = {
    baseURL: `http://127.0.0.1:${port}/v1`,
    count: () => count,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(local);
  return local;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function json(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(value));
}

async function rejection(promise: Promise<unknown>): Promise<HttpRequestError> {
  try {
    await promise;
  } catch (error) {
    expect(PrefplayError.hasCode(error, 'http')).toBe(true);
    return error as HttpRequestError;
  }
  throw new Error('expected the call to fail');
}

describe('createHttpClient', () => {
  it('posts JSON with headers and returns the parsed answer', async () => {
    let seen: { url?: string; auth?: string; custom?: string; body?: unknown } = {};
    const server = await startServer((request, body, response) => {
      seen = {
        ...(request.url !== undefined ? { url: request.url } : {}),
        ...(request.headers.authorization !== undefined ? { auth: request.headers.authorization } : {}),
        custom: String(request.headers['x-custom']),
        body: JSON.parse(body),
      };
      json(response, 200, { ok: true, echo: JSON.parse(body) });
    });
    const client = createHttpClient({ baseURL: `${server.baseURL}/`, apiKey: 'k1', headers: { 'x-custom': 'c' } });
    const answer = await client.postJson<{ ok: boolean; echo: unknown }>('/chat/completions', { a: [1, 2] });
    expect(answer).toEqual({ ok: true, echo: { a: [1, 2] } });
    expect(seen).toEqual({ url: '/v1/chat/completions', auth: 'Bearer k1', custom: 'c', body: { a: [1, 2] } });
  });

  it('retries 5xx and 429 and then succeeds', async () => {
    const server = await startServer((_request, _body, response, count) => {
      if (count === 1) json(response, 503, { error: 'busy' });
      else if (count === 2) json(response, 429, { error: 'slow down' }, { 'retry-after': '0' });
      else json(response, 200, { n: count });
    });
    const client = createHttpClient({ baseURL: server.baseURL, retries: 2, backoffMs: 1 });
    await expect(client.postJson('x', {})).resolves.toEqual({ n: 3 });
    expect(server.count()).toBe(3);
  });

  it('gives up after the retries with status, URL and attempt count', async () => {
    const server = await startServer((_request, _body, response) => json(response, 500, { error: 'boom' }));
    const client = createHttpClient({ baseURL: server.baseURL, retries: 2, backoffMs: 1 });
    const error = await rejection(client.postJson('chat/completions', {}));
    expect(error.status).toBe(500);
    expect(error.attempts).toBe(3);
    expect(error.url).toBe(`${server.baseURL}/chat/completions`);
    expect(error.message).toContain(`POST ${server.baseURL}/chat/completions answered HTTP 500`);
    expect(error.message).toContain('3 attempts');
    expect(error.hint).toMatch(/retries/);
    expect(server.count()).toBe(3);
  });

  it('does not retry other 4xx', async () => {
    const server = await startServer((_request, _body, response) => json(response, 404, { error: 'no such model' }));
    const client = createHttpClient({ baseURL: server.baseURL, retries: 3, backoffMs: 1 });
    const error = await rejection(client.postJson('embeddings', {}));
    expect(error.status).toBe(404);
    expect(error.attempts).toBe(1);
    expect(error.message).toContain('no such model');
    expect(error.hint).toMatch(/baseURL/);
    expect(server.count()).toBe(1);
  });

  it('times out each attempt, retries, then fails clearly', async () => {
    const server = await startServer(() => {
      // never answers
    });
    const client = createHttpClient({ baseURL: server.baseURL, timeoutMs: 150, retries: 1, backoffMs: 1 });
    const started = Date.now();
    const error = await rejection(client.postJson('slow', {}));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.message).toContain('timed out after 150 ms');
    expect(error.attempts).toBe(2);
    expect(error.status).toBeUndefined();
    expect(error.hint).toMatch(/timeoutMs/);
    expect(server.count()).toBeLessThanOrEqual(2);
  });

  it('reports a malformed JSON body without retrying', async () => {
    const server = await startServer((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"choices": [');
    });
    const client = createHttpClient({ baseURL: server.baseURL, retries: 2, backoffMs: 1 });
    const error = await rejection(client.postJson('x', {}));
    expect(error.message).toContain('not JSON');
    expect(error.attempts).toBe(1);
  });

  it('retries network errors (connection dropped)', async () => {
    const server = await startServer((request) => {
      request.socket.destroy();
    });
    const client = createHttpClient({ baseURL: server.baseURL, retries: 1, backoffMs: 1 });
    const error = await rejection(client.postJson('x', {}));
    expect(error.message).toContain('network error');
    expect(error.attempts).toBe(2);
    expect(server.count()).toBe(2);
  });

  it('honours Retry-After, capped at maxBackoffMs', async () => {
    const server = await startServer((_request, _body, response, count) => {
      if (count === 1) json(response, 429, {}, { 'retry-after': '3600' });
      else json(response, 200, { ok: 1 });
    });
    const client = createHttpClient({ baseURL: server.baseURL, retries: 1, backoffMs: 1, maxBackoffMs: 50 });
    const started = Date.now();
    await expect(client.postJson('x', {})).resolves.toEqual({ ok: 1 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(40);
    expect(elapsed).toBeLessThan(3000);
  });

  it('keeps at most `concurrency` requests in flight across calls', async () => {
    const server = await startServer((_request, body, response) => {
      setTimeout(() => json(response, 200, JSON.parse(body)), 60);
    });
    const client = createHttpClient({ baseURL: server.baseURL, concurrency: 2 });
    const answers = await Promise.all(Array.from({ length: 7 }, (_, i) => client.postJson<{ i: number }>('x', { i })));
    expect(answers.map((a) => a.i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(server.maxInFlight()).toBe(2);
    expect(server.count()).toBe(7);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const server = await startServer(() => controller.abort()); // aborts once the request has arrived
    const client = createHttpClient({ baseURL: server.baseURL, retries: 3, timeoutMs: 5000 });
    const error = await rejection(client.postJson('x', {}, { signal: controller.signal }));
    expect(error.message).toContain('cancelled by the caller');
    expect(server.count()).toBe(1);
    await expect(client.postJson('x', {}, { signal: controller.signal })).rejects.toThrow(/cancelled/);
    expect(server.count()).toBe(1);
  });

  it('validates its options', async () => {
    const server = await startServer(() => {});
    expect(() => createHttpClient({ baseURL: 'ftp://x' })).toThrow(/http client options.*baseURL/);
    expect(() => createHttpClient({ baseURL: server.baseURL, concurrency: 0 })).toThrow(/concurrency/);
    expect(() => createHttpClient({ baseURL: server.baseURL, retries: -1 })).toThrow(/retries/);
    expect(server.count()).toBe(0);
  });
});

describe('helpers', () => {
  it('joins URLs with one slash', () => {
    expect(joinURL('http://h/v1/', '/chat')).toBe('http://h/v1/chat');
    expect(joinURL('http://h/v1', 'chat')).toBe('http://h/v1/chat');
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
  });
});
