import type { PromptV1, SampleV1 } from '@prefplay/core';
import { PrefplayError } from '@prefplay/core';
import { mockDecoder, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTokenSampler } from './token-sampler.js';

beforeAll(async () => {
  await useTestBackend();
});

const EOS = 1;
const VOCAB = 7;

/** Logits that depend on the whole prefix, with a moderate chance of EOS. */
function prefixLogits(prefix: readonly number[]): number[] {
  let h = 17;
  for (const t of prefix) h = (h * 31 + t + 7) % 1009;
  return Array.from({ length: VOCAB }, (_, v) => Math.sin(h * (v + 1) * 0.37) * 2 + (v === EOS ? -0.5 : 0));
}

function logSoftmax(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const lse = m + Math.log(logits.reduce((s, l) => s + Math.exp(l - m), 0));
  return logits.map((l) => l - lse);
}

const prompts: PromptV1[] = [
  { id: 'a', tokens: [0, 2, 3] },
  { id: 'b', tokens: [0] },
  { id: 'c', tokens: [0, 4, 4, 5, 6] },
];

function tokensOf(samples: SampleV1[][]): number[][][] {
  return samples.map((row) => row.map((s) => [...s.tokens]));
}

/** Pearson chi-square statistic of observed counts against expected probabilities (cells with p > 0). */
function chiSquare(counts: readonly number[], probs: readonly number[]): { statistic: number; df: number } {
  const n = counts.reduce((s, c) => s + c, 0);
  let statistic = 0;
  let cells = 0;
  probs.forEach((p, i) => {
    if (p <= 0) return;
    cells++;
    const expected = n * p;
    statistic += ((counts[i] ?? 0) - expected) ** 2 / expected;
  });
  return { statistic, df: cells - 1 };
}

/** 0.999 quantiles of the chi-square distribution, from scipy.stats.chi2.ppf(0.999, df). */
const chiSquare999: Record<number, number> = { 1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467, 5: 20.515 };

async function firstTokenCounts(
  logits: number[],
  settings: { temperature?: number; topK?: number; topP?: number },
  n: number,
  seed = 5,
): Promise<number[]> {
  const decoder = mockDecoder({ vocabSize: logits.length, logits: () => logits });
  const sampler = createTokenSampler({ decoder, maxNewTokens: 1, batchSize: 1024, ...settings });
  const [row] = await sampler.doSample({ prompts: [{ id: 'p', tokens: [0] }], samplesPerPrompt: n, seed });
  const counts = new Array<number>(logits.length).fill(0);
  for (const s of row!) counts[s.tokens[0]!]!++;
  return counts;
}

describe('createTokenSampler', () => {
  const decoder = mockDecoder({ vocabSize: VOCAB, eosTokenId: EOS, logits: prefixLogits, maxSequenceLength: 64 });

  it('is reproducible from the seed and varies with it', async () => {
    const sampler = createTokenSampler({ decoder, maxNewTokens: 12 });
    const a = await sampler.doSample({ prompts, samplesPerPrompt: 4, seed: 11 });
    const b = await sampler.doSample({ prompts, samplesPerPrompt: 4, seed: 11 });
    const c = await sampler.doSample({ prompts, samplesPerPrompt: 4, seed: 12 });
    expect(tokensOf(a)).toEqual(tokensOf(b));
    expect(tokensOf(a)).not.toEqual(tokensOf(c));
    expect(a.length).toBe(3);
    expect(a.every((row) => row.length === 4)).toBe(true);
    // K samples of one prompt come from different streams
    expect(new Set(a[0]!.map((s) => s.tokens.join(','))).size).toBeGreaterThan(1);
  });

  it('gives the same samples for any batch size and with or without the cache', async () => {
    const reference = tokensOf(
      await createTokenSampler({ decoder, maxNewTokens: 10, batchSize: 1, topK: 5, topP: 0.9 }).doSample({
        prompts,
        samplesPerPrompt: 5,
        seed: 3,
      }),
    );
    for (const batchSize of [2, 7, 64]) {
      for (const useCache of [true, false]) {
        const sampler = createTokenSampler({ decoder, maxNewTokens: 10, batchSize, useCache, topK: 5, topP: 0.9 });
        expect(tokensOf(await sampler.doSample({ prompts, samplesPerPrompt: 5, seed: 3 }))).toEqual(reference);
        expect(decoder.stats.lastUseCache).toBe(useCache);
      }
    }
    // a prompt's samples do not depend on the other prompts of the call
    const alone = await createTokenSampler({ decoder, maxNewTokens: 10, topK: 5, topP: 0.9 }).doSample({
      prompts: [prompts[0]!],
      samplesPerPrompt: 5,
      seed: 3,
    });
    expect(tokensOf(alone)[0]).toEqual(reference[0]);
  });

  it('batches rows in chunks of batchSize', async () => {
    const counting = mockDecoder({ vocabSize: VOCAB, eosTokenId: EOS, logits: prefixLogits });
    await createTokenSampler({ decoder: counting, maxNewTokens: 3, batchSize: 4 }).doSample({
      prompts,
      samplesPerPrompt: 3,
      seed: 1,
    });
    expect(counting.stats.largestBatch).toBe(4);
    expect(counting.stats.sessionsOpened).toBeGreaterThanOrEqual(3);
    expect(counting.stats.sessionsDisposed).toBe(counting.stats.sessionsOpened);
  });

  it('stops at EOS (kept as the last token), else at maxNewTokens, and records seed and settings', async () => {
    const sampler = createTokenSampler({ decoder, maxNewTokens: 8, temperature: 0.8 });
    const samples = (await sampler.doSample({ prompts, samplesPerPrompt: 20, seed: 9 })).flat();
    const reasons = new Set(samples.map((s) => s.finishReason));
    expect(reasons).toEqual(new Set(['stop', 'length']));
    for (const s of samples) {
      const eosAt = s.tokens.indexOf(EOS);
      if (s.finishReason === 'stop') {
        expect(eosAt).toBe(s.tokens.length - 1);
        expect(s.tokens.length).toBeLessThanOrEqual(8);
      } else {
        expect(eosAt).toBe(-1);
        expect(s.tokens.length).toBe(8);
      }
      expect(s.seed).toBe(9);
      expect(s.settings).toMatchObject({
        temperature: 0.8,
        topK: null,
        topP: 1,
        maxNewTokens: 8,
        eosTokenId: EOS,
        eosTokenIds: [EOS],
      });
    }
    const noStop = createTokenSampler({ decoder, maxNewTokens: 8, stopAtEos: false });
    for (const s of (await noStop.doSample({ prompts, samplesPerPrompt: 5, seed: 9 })).flat()) {
      expect(s.tokens.length).toBe(8);
      expect(s.finishReason).toBe('length');
    }
  });

  it('stops each row at the first token of a set of EOS ids, and runs a row that meets none to maxNewTokens', async () => {
    // Each prompt [0, k] has a fixed continuation script k, emitted greedily whatever the sampler
    // does (one logit of 10, the rest 0). Stop ids are 5 and 6; tokens after the first stop id in a
    // script show a sampler that failed to stop.
    const scripts: Record<number, readonly number[]> = {
      1: [2, 5, 6, 3, 3, 3, 3, 3], // stops at 5, the second token
      2: [3, 4, 4, 6, 5, 2, 2, 2], // stops at 6, the fourth token (5 comes later)
      3: [2, 3, 4, 2, 3, 4, 2, 3], // meets neither
      4: [6, 2, 2, 2, 2, 2, 2, 2], // stops at once
    };
    const scripted = (prefix: readonly number[]) => {
      const next = (scripts[prefix[1] as number] as readonly number[])[prefix.length - 2] as number;
      return Array.from({ length: 8 }, (_, v) => (v === next ? 10 : 0));
    };
    const scriptPrompts: PromptV1[] = [1, 2, 3, 4].map((k) => ({ id: `s${k}`, tokens: [0, k] }));
    const expected = [[2, 5], [3, 4, 4, 6], [2, 3, 4, 2, 3, 4, 2], [6]];
    const reasons = ['stop', 'stop', 'length', 'stop'];
    const run = async (sampler: ReturnType<typeof createTokenSampler>) =>
      (await sampler.doSample({ prompts: scriptPrompts, samplesPerPrompt: 2, seed: 3 })).map((row) => {
        expect(row[0]?.tokens).toEqual(row[1]?.tokens);
        return row[0] as SampleV1;
      });
    const plain = mockDecoder({ vocabSize: 8, logits: scripted });
    for (const batchSize of [1, 3, 8]) {
      const sampler = createTokenSampler({
        decoder: plain,
        maxNewTokens: 7,
        temperature: 0,
        eosTokenId: [5, 6],
        batchSize,
      });
      const samples = await run(sampler);
      expect(samples.map((s) => s.tokens)).toEqual(expected);
      expect(samples.map((s) => s.finishReason)).toEqual(reasons);
      expect(sampler.settings).toMatchObject({ eosTokenId: 5, eosTokenIds: [5, 6], stopAtEos: true });
    }
    // The decoder's own set is the default; a single id stops only at that id.
    const reporting = mockDecoder({ vocabSize: 8, eosTokenId: 6, eosTokenIds: [6, 5], logits: scripted });
    const byDefault = createTokenSampler({ decoder: reporting, maxNewTokens: 7, temperature: 0 });
    expect((await run(byDefault)).map((s) => s.tokens)).toEqual(expected);
    expect(byDefault.settings).toMatchObject({ eosTokenId: 6, eosTokenIds: [6, 5] });
    const onlyFive = createTokenSampler({ decoder: reporting, maxNewTokens: 7, temperature: 0, eosTokenId: 5 });
    expect((await run(onlyFive)).map((s) => s.tokens)).toEqual([
      [2, 5],
      [3, 4, 4, 6, 5],
      [2, 3, 4, 2, 3, 4, 2],
      [6, 2, 2, 2, 2, 2, 2],
    ]);
    expect(onlyFive.settings).toMatchObject({ eosTokenId: 5, eosTokenIds: [5] });
    const noStop = createTokenSampler({ decoder: reporting, maxNewTokens: 7, temperature: 0, stopAtEos: false });
    expect((await run(noStop)).map((s) => s.tokens)).toEqual([1, 2, 3, 4].map((k) => scripts[k]?.slice(0, 7)));
  });

  it('caps responses at the decoder context and never overfills a row', async () => {
    const short = mockDecoder({ vocabSize: VOCAB, logits: prefixLogits, maxSequenceLength: 8 });
    const sampler = createTokenSampler({ decoder: short, maxNewTokens: 20, stopAtEos: false, batchSize: 3 });
    const samples = await sampler.doSample({ prompts, samplesPerPrompt: 2, seed: 4 });
    prompts.forEach((p, i) => {
      for (const s of samples[i]!) {
        expect(s.tokens.length).toBe(8 - p.tokens.length);
        expect(s.finishReason).toBe('length');
      }
    });
    const oneByOne = createTokenSampler({ decoder: short, maxNewTokens: 20, stopAtEos: false, batchSize: 1 });
    expect(tokensOf(await oneByOne.doSample({ prompts, samplesPerPrompt: 2, seed: 4 }))).toEqual(tokensOf(samples));
    await expect(
      sampler.doSample({ prompts: [{ id: 'long', tokens: [0, 2, 2, 2, 2, 2, 2, 2] }], samplesPerPrompt: 1, seed: 1 }),
    ).rejects.toThrow(/leaving no room/);
  });

  it('reports the summed log-probability under the sampling distribution', async () => {
    const sampler = createTokenSampler({ decoder, maxNewTokens: 6, temperature: 1, decode: (t) => t.join(' ') });
    for (const [i, row] of (await sampler.doSample({ prompts, samplesPerPrompt: 3, seed: 2 })).entries()) {
      for (const s of row) {
        const prefix = [...prompts[i]!.tokens];
        let expected = 0;
        for (const t of s.tokens) {
          expected += logSoftmax(prefixLogits(prefix))[t]!;
          prefix.push(t);
        }
        expect(s.logprob).toBeCloseTo(expected, 4);
        expect(s.text).toBe(s.tokens.join(' '));
      }
    }
  });

  it('is greedy at temperature 0 and tends to greedy as temperature → 0', async () => {
    const greedy = (prompt: readonly number[]) => {
      const prefix = [...prompt];
      const out: number[] = [];
      for (let step = 0; step < 6; step++) {
        const logits = prefixLogits(prefix);
        const t = logits.indexOf(Math.max(...logits));
        out.push(t);
        prefix.push(t);
        if (t === EOS) break;
      }
      return out;
    };
    const expected = prompts.map((p) => [greedy(p.tokens), greedy(p.tokens)]);
    for (const temperature of [0, 1e-4]) {
      const sampler = createTokenSampler({ decoder, maxNewTokens: 6, temperature });
      const samples = await sampler.doSample({ prompts, samplesPerPrompt: 2, seed: 8 });
      expect(tokensOf(samples)).toEqual(expected);
      if (temperature === 0) expect(samples.flat().every((s) => s.logprob === 0)).toBe(true);
    }
  });

  it('temperature scales the logits before the softmax (chi-square)', async () => {
    const logits = [0.4, -0.6, 1.0, 0.1];
    for (const temperature of [0.5, 3]) {
      const w = logits.map((l) => Math.exp(l / temperature));
      const z = w.reduce((a, b) => a + b, 0);
      const counts = await firstTokenCounts(logits, { temperature }, 3000, 13);
      const { statistic, df } = chiSquare(
        counts,
        w.map((x) => x / z),
      );
      expect(statistic).toBeLessThan(chiSquare999[df]!);
    }
  });

  it('top-k never emits a token outside the k largest logits', async () => {
    const logits = [0.3, 2.0, -1.0, 1.5, 0.0, 1.9, -0.2, 0.8];
    const counts = await firstTokenCounts(logits, { topK: 3, temperature: 2 }, 3000);
    expect(counts.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0)).toEqual([1, 3, 5]);
    // inside the top 3 the draw follows softmax(logits / 2) renormalised
    const kept = [1, 3, 5].map((i) => Math.exp(logits[i]! / 2));
    const z = kept.reduce((s, w) => s + w, 0);
    const probs = logits.map((_, i) => ([1, 3, 5].includes(i) ? Math.exp(logits[i]! / 2) / z : 0));
    const { statistic, df } = chiSquare(counts, probs);
    expect(df).toBe(2);
    expect(statistic).toBeLessThan(chiSquare999[df]!);
  });

  it('top-p follows the renormalised nucleus (chi-square)', async () => {
    const logits = [1.2, 0.1, 2.3, -0.5, 0.9, 1.7];
    const p = logits.map((l) => Math.exp(l));
    const total = p.reduce((s, x) => s + x, 0);
    const probs = p.map((x) => x / total);
    // nucleus for 0.8, built independently: sort, accumulate until ≥ 0.8
    const order = probs.map((_, i) => i).sort((a, b) => probs[b]! - probs[a]!);
    const nucleus: number[] = [];
    let mass = 0;
    for (const i of order) {
      nucleus.push(i);
      mass += probs[i]!;
      if (mass >= 0.8) break;
    }
    expect(nucleus.length).toBe(3); // a strict cut: 3 of 6 tokens
    const expected = probs.map((q, i) => (nucleus.includes(i) ? q / mass : 0));
    const counts = await firstTokenCounts(logits, { topP: 0.8 }, 4000);
    counts.forEach((c, i) => {
      if (!nucleus.includes(i)) expect(c).toBe(0);
    });
    const { statistic, df } = chiSquare(counts, expected);
    expect(df).toBe(2);
    expect(statistic).toBeLessThan(chiSquare999[df]!);
    // the same counts fail against the un-cut distribution, so the test can fail
    expect(chiSquare(counts, probs).statistic).toBeGreaterThan(chiSquare999[5]!);
  });

  it('validates its options and names the field', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ topP: 0 }, 'topP'],
      [{ topP: 1.5 }, 'topP'],
      [{ topK: 1.5 }, 'topK'],
      [{ topK: 0 }, 'topK'],
      [{ topK: 99 }, 'topK'],
      [{ temperature: -1 }, 'temperature'],
      [{ maxNewTokens: 0 }, 'maxNewTokens'],
      [{ batchSize: 0 }, 'batchSize'],
      [{ eosTokenId: 50 }, 'eosTokenId'],
      [{ eosTokenId: [1, 50] }, 'eosTokenId[1]'],
      [{ eosTokenId: [] }, 'eosTokenId'],
      [{ eosTokenId: [1, 2.5] }, 'eosTokenId'],
      [{ eosTokenId: -1 }, 'eosTokenId'],
    ];
    for (const [patch, field] of bad) {
      let caught: unknown;
      try {
        createTokenSampler({ decoder, maxNewTokens: 4, ...patch } as Parameters<typeof createTokenSampler>[0]);
      } catch (error) {
        caught = error;
      }
      expect(PrefplayError.hasCode(caught, 'invalid-options'), JSON.stringify(patch)).toBe(true);
      expect((caught as PrefplayError).where.field).toBe(field);
      expect((caught as PrefplayError).message).toMatch(/token sampler options/);
    }
    expect(() => createTokenSampler({ decoder: {} as never, maxNewTokens: 2 })).toThrow(/DecoderV1/);
    const wrong = mockDecoder({ vocabSize: VOCAB, eosTokenIds: [1, VOCAB], logits: prefixLogits });
    let caught: unknown;
    try {
      createTokenSampler({ decoder: wrong, maxNewTokens: 2 });
    } catch (error) {
      caught = error;
    }
    expect(PrefplayError.hasCode(caught, 'invalid-options')).toBe(true);
    expect((caught as PrefplayError).where.field).toBe('decoder.eosTokenIds[1]');
    // An explicit, valid eosTokenId takes the decoder's set out of play.
    expect(createTokenSampler({ decoder: wrong, maxNewTokens: 2, eosTokenId: 1 }).settings.eosTokenIds).toEqual([1]);
  });

  it('rejects bad prompts and honours an abort signal', async () => {
    const sampler = createTokenSampler({ decoder, maxNewTokens: 4 });
    await expect(
      sampler.doSample({ prompts: [{ id: 'x', tokens: [0, 99] }], samplesPerPrompt: 1, seed: 1 }),
    ).rejects.toThrow(/outside the vocabulary/);
    await expect(
      sampler.doSample({ prompts: [{ id: 'x', tokens: [] }], samplesPerPrompt: 1, seed: 1 }),
    ).rejects.toThrow(/no tokens/);
    await expect(sampler.doSample({ prompts, samplesPerPrompt: 0, seed: 1 })).rejects.toThrow(/samplesPerPrompt/);
    const controller = new AbortController();
    controller.abort();
    await expect(
      sampler.doSample({ prompts, samplesPerPrompt: 1, seed: 1, signal: controller.signal }),
    ).rejects.toThrow();
  });

  it('leaks no tensors and closes every session over 100 calls', async () => {
    const counting = mockDecoder({ vocabSize: VOCAB, eosTokenId: EOS, logits: prefixLogits });
    const sampler = createTokenSampler({ decoder: counting, maxNewTokens: 4, batchSize: 4, topK: 4, topP: 0.95 });
    await sampler.doSample({ prompts, samplesPerPrompt: 2, seed: 0 });
    const before = tf.memory().numTensors;
    for (let call = 0; call < 100; call++) await sampler.doSample({ prompts, samplesPerPrompt: 2, seed: call });
    expect(tf.memory().numTensors).toBe(before);
    expect(counting.stats.sessionsDisposed).toBe(counting.stats.sessionsOpened);
  });
});
