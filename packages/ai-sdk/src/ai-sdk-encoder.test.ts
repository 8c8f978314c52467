import { PrefplayError } from '@prefplay/core';
import { APICallError } from 'ai';
import { MockEmbeddingModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { aiSdkEncoder } from './ai-sdk-encoder.js';

const texts = ['cats', 'dogs', 'cats and dogs', 'fish', 'birds'];
const responses = texts.map((text) => ({ tokens: [], text }));
/** A deterministic raw (not unit) vector per text. */
const raw = (text: string): number[] => [text.length, text.charCodeAt(0) - 96, text.includes('and') ? -3 : 0.5];

function embeddingModel(options: { maxEmbeddingsPerCall?: number; vector?: (text: string) => number[] } = {}) {
  const vector = options.vector ?? raw;
  return new MockEmbeddingModelV3({
    maxEmbeddingsPerCall: options.maxEmbeddingsPerCall ?? 100,
    doEmbed: async ({ values }) => ({
      embeddings: values.map(vector),
      usage: { tokens: values.length * 2 },
      warnings: [],
    }),
  });
}

describe('aiSdkEncoder', () => {
  it('returns v / ‖v‖ for every response, in order', async () => {
    const encoder = aiSdkEncoder({ model: embeddingModel() });
    const out = await encoder.doEncode({ responses });
    expect(out).toHaveLength(5);
    out.forEach((vector, i) => {
      const v = raw(texts[i] as string);
      const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      expect(vector).toHaveLength(v.length);
      for (const [d, x] of v.entries()) expect(vector[d]).toBeCloseTo(x / norm, 14);
    });
    expect(encoder.stats).toEqual({ calls: 1, tokens: 10 });
  });

  it('batches by batchSize, and the AI SDK splits further by the model’s own limit', async () => {
    const model = embeddingModel();
    await aiSdkEncoder({ model, batchSize: 2, concurrency: 1 }).doEncode({ responses });
    expect(model.doEmbedCalls.map((c) => c.values)).toEqual([['cats', 'dogs'], ['cats and dogs', 'fish'], ['birds']]);
    const small = embeddingModel({ maxEmbeddingsPerCall: 1 });
    await aiSdkEncoder({ model: small, batchSize: 3, concurrency: 1 }).doEncode({ responses });
    expect(small.doEmbedCalls.map((c) => c.values)).toEqual(texts.map((t) => [t]));
  });

  it('rejects a zero or non-finite vector naming the response', async () => {
    const zero = aiSdkEncoder({ model: embeddingModel({ vector: (t) => (t === 'fish' ? [0, 0, 0] : raw(t)) }) });
    const error = await zero.doEncode({ responses }).catch((e: unknown) => e);
    expect(PrefplayError.hasCode(error, 'http')).toBe(true);
    expect((error as PrefplayError).where.field).toBe('responses[3]');
    expect(String(error)).toContain('the embedding of responses[3] ("fish") is the zero vector');

    const nan = aiSdkEncoder({
      model: embeddingModel({ vector: (t) => (t === 'dogs' ? [1, Number.NaN, 0] : raw(t)) }),
    });
    await expect(nan.doEncode({ responses })).rejects.toThrow(/responses\[1\] \("dogs"\) has the non-finite entry NaN/);

    const ragged = aiSdkEncoder({ model: embeddingModel({ vector: (t) => (t === 'birds' ? [1, 2] : raw(t)) }) });
    await expect(ragged.doEncode({ responses })).rejects.toThrow(
      /responses\[4\].*has length 2 where responses\[0\]'s has 3/,
    );

    // tiny and huge vectors are still normalised (no underflow or overflow in the norm)
    const extreme = aiSdkEncoder({
      model: embeddingModel({ vector: (t) => (t === 'cats' ? [1e-300, 0] : [3e300, 4e300]) }),
    });
    const out = await extreme.doEncode({ responses: responses.slice(0, 2) });
    expect(out).toEqual([
      [1, 0],
      [0.6, 0.8],
    ]);
  });

  it("wraps provider errors after the AI SDK's own retries, and aborts", async () => {
    let failures = 1;
    const flaky = new MockEmbeddingModelV3({
      maxEmbeddingsPerCall: 100,
      doEmbed: async ({ values }) => {
        if (failures-- > 0) {
          throw new APICallError({
            message: 'overloaded',
            url: 'u',
            requestBodyValues: {},
            statusCode: 529,
            responseHeaders: { 'retry-after-ms': '1' },
            isRetryable: true,
          });
        }
        return { embeddings: values.map(raw), warnings: [] };
      },
    });
    await expect(aiSdkEncoder({ model: flaky, maxRetries: 1 }).doEncode({ responses })).resolves.toHaveLength(5);
    expect(flaky.doEmbedCalls).toHaveLength(2);
    failures = 1;
    const error = await aiSdkEncoder({ model: flaky, maxRetries: 0 })
      .doEncode({ responses })
      .catch((e: unknown) => e);
    expect(String(error)).toContain('embedding 5 responses failed: overloaded');

    const controller = new AbortController();
    const hanging = new MockEmbeddingModelV3({ maxEmbeddingsPerCall: 100, doEmbed: () => new Promise(() => {}) });
    const pending = aiSdkEncoder({ model: hanging }).doEncode({ responses, signal: controller.signal });
    controller.abort(new Error('enough'));
    await expect(pending).rejects.toThrow('enough');
    await expect(aiSdkEncoder({ model: hanging }).doEncode({ responses: [] })).resolves.toEqual([]);
  });

  it('rejects bad options', () => {
    expect(() => aiSdkEncoder({ model: { specificationVersion: 'v3' } as never })).toThrow(/"model"/);
    expect(() => aiSdkEncoder({ model: embeddingModel(), batchSize: 0 })).toThrow(/batchSize/);
  });
});
