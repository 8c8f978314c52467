import { PrefplayError } from '@prefplay/core';
import { afterEach, describe, expect, it } from 'vitest';
import { openAIEmbeddingsEncoder } from './openai-embeddings-encoder.js';
import { embeddingsBody, type OpenAITestServer, startOpenAITestServer } from './openai-test-server.js';

const servers: OpenAITestServer[] = [];
async function start(options: Parameters<typeof startOpenAITestServer>[0]): Promise<OpenAITestServer> {
  const server = await startOpenAITestServer({ maxRequests: 50, ...options });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A raw (unnormalised) vector per text: [length, number of vowels, 1 + first char code]. */
function rawVector(text: string): number[] {
  return [text.length, [...text].filter((c) => 'aeiou'.includes(c)).length, 1 + text.charCodeAt(0)];
}

const texts = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];

describe('openAIEmbeddingsEncoder', () => {
  it('batches inputs, restores order by index and returns unit vectors', async () => {
    const server = await start({
      embeddings: ({ body }) => {
        const inputs = body.input as string[];
        const order = inputs.map((_, i) => inputs.length - 1 - i); // listed in reverse
        return embeddingsBody(inputs.map(rawVector), { order });
      },
    });
    const encoder = openAIEmbeddingsEncoder({ baseURL: server.baseURL, model: 'embed', batchSize: 2 });
    const embeddings = await encoder.doEncode({ responses: texts.map((text, i) => ({ tokens: [i], text })) });
    expect(server.requests.map((r) => r.body.input)).toEqual([['alpha', 'beta'], ['gamma', 'delta'], ['epsilon']]);
    expect(server.requests[0]?.body).toMatchObject({ model: 'embed', encoding_format: 'float' });
    expect(embeddings).toHaveLength(5);
    embeddings.forEach((embedding, i) => {
      const raw = rawVector(texts[i] as string);
      const norm = Math.sqrt(raw.reduce((s, v) => s + v * v, 0));
      raw.forEach((v, d) => {
        expect(embedding[d]).toBeCloseTo(v / norm, 12);
      });
    });
    expect(encoder.encoderId).toBe('openai-embeddings:embed');
  });

  it('retries a 503 and decodes responses without text', async () => {
    const server = await start({ faults: [{ status: 503, times: 1, retryAfter: 0 }] });
    const encoder = openAIEmbeddingsEncoder({
      baseURL: server.baseURL,
      model: 'm',
      backoffMs: 1,
      decode: (tokens) => tokens.map((t) => String.fromCharCode(97 + t)).join(''),
    });
    const embeddings = await encoder.doEncode({ responses: [{ tokens: [0, 1] }, { tokens: [0, 1] }, { tokens: [2] }] });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.body.input).toEqual(['ab', 'ab', 'c']);
    expect(embeddings[0]).toEqual(embeddings[1]);
    for (const e of embeddings) expect(Math.hypot(...e)).toBeCloseTo(1, 12);
  });

  it('rejects wrong counts, zero vectors and missing fields with an http error', async () => {
    const short = await start({ embeddings: () => embeddingsBody([[1, 0]]) });
    const encoder = openAIEmbeddingsEncoder({ baseURL: short.baseURL, model: 'm', retries: 0 });
    const responses = [
      { tokens: [], text: 'x' },
      { tokens: [], text: 'y' },
    ];
    await expect(encoder.doEncode({ responses })).rejects.toThrow(/returned 1 embeddings for 2 inputs/);

    const zero = await start({
      embeddings: () =>
        embeddingsBody([
          [1, 0],
          [0, 0],
        ]),
    });
    const zeroEncoder = openAIEmbeddingsEncoder({ baseURL: zero.baseURL, model: 'm', retries: 0 });
    const error = await zeroEncoder.doEncode({ responses }).catch((e: unknown) => e);
    expect(PrefplayError.hasCode(error, 'http')).toBe(true);
    expect((error as Error).message).toMatch(/norm 0 at index 1/);

    const repeated = await start({
      embeddings: () =>
        embeddingsBody(
          [
            [1, 0],
            [0, 1],
          ],
          { order: [1, 1] },
        ),
    });
    const repeatedEncoder = openAIEmbeddingsEncoder({ baseURL: repeated.baseURL, model: 'm', retries: 0 });
    await expect(repeatedEncoder.doEncode({ responses })).rejects.toThrow(/missing or repeated index 1 for 2 inputs/);

    const missing = await start({ faults: [{ json: { data: [{ index: 0 }] } }] });
    const missingEncoder = openAIEmbeddingsEncoder({ baseURL: missing.baseURL, model: 'm', retries: 0 });
    await expect(missingEncoder.doEncode({ responses })).rejects.toThrow(/data\[0\]\.embedding/);
  });

  it('validates options and needs text', async () => {
    const server = await start({});
    expect(() => openAIEmbeddingsEncoder({ baseURL: server.baseURL, model: 'm', batchSize: 0 })).toThrow(
      /openAIEmbeddingsEncoder options.*batchSize/,
    );
    const encoder = openAIEmbeddingsEncoder({ baseURL: server.baseURL, model: 'm' });
    await expect(encoder.doEncode({ responses: [{ tokens: [1] }] })).rejects.toThrow(/responses\[0\]\.text/);
    await expect(encoder.doEncode({ responses: [] })).resolves.toEqual([]);
    expect(server.requests).toHaveLength(0);
  });
});
