import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LossV1, type PreferenceOracleV1, PrefplayError, type PromptV1, type SamplerV1 } from '@prefplay/core';
import { sppoLoss } from '@prefplay/losses';
import { createTabularPolicy, createTransformerPolicy } from '@prefplay/policies';
import { mockEncoder, mockOracle, mockPolicy, mockSampler, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSelfPlay, type SelfPlayConfig } from './run-self-play.js';

let scratch: string;
beforeAll(async () => {
  await useTestBackend();
  scratch = await mkdtemp(join(tmpdir(), 'prefplay-trainers-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const prompts = (n: number, prefix = 'p'): PromptV1[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, tokens: [i % 3] }));

/** Prefers responses whose token sum is larger: a transitive oracle the mock policy can learn. */
const sumOracle = () => mockOracle({ score: (r) => r.tokens.reduce((s, t) => s + t, 0) / 2 });

function mockSetup(seed = 5) {
  const policy = mockPolicy({ vocabSize: 6, hiddenSize: 4, seed });
  return {
    policy,
    sampler: mockSampler({ vocabSize: 6, minLength: 1, maxLength: 3 }),
    oracle: sumOracle(),
    encoder: mockEncoder({ vocabSize: 6 }),
    trainPrompts: prompts(6),
    evalPrompts: prompts(3, 'e'),
  };
}

const base: SelfPlayConfig = {
  method: 's-sppo',
  iterations: 3,
  samplesPerPrompt: 3,
  epochs: 2,
  batchSize: 4,
  learningRate: 0.05,
  seed: 11,
  sppo: { eta: 2 },
  gate: { low: 0.2, high: 0.9 },
  repulsion: { lambda: 0.1, margin: 1 },
  evaluationSamplesPerPrompt: 2,
};

describe('runSelfPlay in the tabular setting', () => {
  it('one SPPO iteration on rock-paper-scissors approaches the Hedge update with step η', async () => {
    // π_0 = (1/2, 1/4, 1/4) over (rock, paper, scissors); the sampler returns rock twice, paper and
    // scissors once, so p̂_i (self term included) equals P(y_i ≻ π_0) = (1/2, 5/8, 3/8) exactly.
    // Hedge: π_1 ∝ π_0 exp(η P(y ≻ π_0)) with η = 2 → (0.49226817, 0.31604242, 0.19168942)
    // (numpy). The `all` regression targets η(p̂ − 1/2); its fit differs from Hedge only through
    // log Z − η/2 = O(η² Var P), about 0.016 here.
    const rps = [
      [0.5, 0, 1],
      [1, 0.5, 0],
      [0, 1, 0.5],
    ];
    const policy = createTabularPolicy({
      numPrompts: 1,
      numCandidates: 3,
      initialLogits: [[Math.log(0.5), Math.log(0.25), Math.log(0.25)]],
    });
    const sampler: SamplerV1 = {
      specificationVersion: 'v1',
      samplerId: 'fixed',
      async doSample({ prompts: ps, samplesPerPrompt }) {
        return ps.map(() =>
          [[0], [0], [1], [2]].slice(0, samplesPerPrompt).map((tokens) => ({
            tokens,
            finishReason: 'stop' as const,
            seed: 0,
            settings: {},
          })),
        );
      },
    };
    const oracle: PreferenceOracleV1 = {
      specificationVersion: 'v1',
      oracleId: 'rps',
      async doCompare({ responses }) {
        return responses.map((a) =>
          responses.map((b) => rps[a.tokens[0] as number]?.[b.tokens[0] as number] as number),
        );
      },
    };
    const result = await runSelfPlay(
      {
        method: 'sppo',
        iterations: 1,
        samplesPerPrompt: 4,
        epochs: 300,
        batchSize: 1,
        learningRate: 0.05,
        sppo: { convention: 'all', eta: 2 },
        evaluateInitial: false,
      },
      { policy, sampler, oracle, trainPrompts: [{ id: 'x', tokens: [0] }] },
    );
    const trained = policy.probabilities()[0] as number[];
    const hedge = [0.49226817, 0.31604242, 0.19168942];
    for (let i = 0; i < 3; i++) expect(Math.abs((trained[i] as number) - (hedge[i] as number))).toBeLessThan(5e-3);
    // and it really moved: π_0 is 0.066 away from the Hedge update on paper
    expect(Math.abs((trained[1] as number) - 0.25)).toBeGreaterThan(0.05);
    expect(result.iterations[0]?.['train/loss']).toBeGreaterThanOrEqual(0);
    policy.dispose();
  });
});

describe('runSelfPlay on mocks', () => {
  it('decreases the SPPO loss within an iteration and records TRL metrics', async () => {
    const s = mockSetup();
    const losses: number[] = [];
    const dir = join(scratch, 'loss');
    await runSelfPlay(
      { ...base, method: 'sppo', iterations: 1, epochs: 30, batchSize: 6, evaluateInitial: false },
      { ...s, runDirectory: dir },
    );
    const lines = (await readFile(join(dir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const line of lines) if (line.kind === 'step') losses.push(line['loss/total']);
    expect(losses.length).toBe(30);
    expect(losses[losses.length - 1]).toBeLessThan((losses[0] as number) * 0.5);
    expect(lines[0]).toHaveProperty('rewards/chosen');
    s.policy.dispose();
  });

  it('resumes from a checkpoint to the same final numbers as an uninterrupted run', async () => {
    const a = mockSetup();
    const straight = join(scratch, 'straight');
    const r1 = await runSelfPlay(base, { ...a, runDirectory: straight });
    const finalA = Array.from(a.policy.logits.dataSync());
    a.policy.dispose();

    const b = mockSetup();
    const crashed = join(scratch, 'crashed');
    await runSelfPlay({ ...base, iterations: 2 }, { ...b, runDirectory: crashed });
    b.policy.dispose(); // the process "dies"; a new one starts from scratch weights
    const c = mockSetup(99);
    const r2 = await runSelfPlay(base, { ...c, runDirectory: crashed, resume: true });
    expect(r2.iterations).toEqual(r1.iterations);
    const summaryA = await readFile(join(straight, 'summary.json'), 'utf8');
    const summaryB = await readFile(join(crashed, 'summary.json'), 'utf8');
    expect(summaryB).toBe(summaryA);
    expect(Array.from(c.policy.logits.dataSync())).toEqual(finalA);
    const iterationLines = async (dir: string) =>
      (await readFile(join(dir, 'metrics.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((l) => l.kind === 'iteration');
    expect(await iterationLines(crashed)).toEqual(await iterationLines(straight));
    expect(r1.iterations[1]).toHaveProperty('gate/mean');
    expect(r1.iterations[1]).toHaveProperty('similarity/q50');
    expect(r1.iterations[1]).toHaveProperty('latent_distance/mean');
    expect(r1.iterations[1]).toHaveProperty('logps/chosen_change');
    const report = await readFile(join(straight, 'report.html'), 'utf8');
    expect(report).toContain('<svg');
    c.policy.dispose();
  });

  it('keeps the tensor count flat across iterations (small transformer policy)', async () => {
    const s = mockSetup();
    s.policy.dispose();
    const policy = createTransformerPolicy({
      vocabSize: 6,
      dModel: 8,
      numLayers: 1,
      numHeads: 2,
      dFF: 16,
      maxSequenceLength: 8,
      seed: 1,
    });
    const counts: number[] = [];
    await runSelfPlay(
      { ...base, iterations: 4 },
      { ...s, policy, onIteration: () => counts.push(tf.memory().numTensors) },
    );
    // iteration 0 (evaluation only) and iterations 1..4; the policy builds its constant tensors
    // (attention masks) once during the first training iteration, then nothing accumulates
    expect(counts.length, JSON.stringify(counts)).toBe(5);
    expect(new Set(counts.slice(1)).size, JSON.stringify(counts)).toBe(1);
    policy.dispose();
  });

  it('runs every method, the ablations and K = 2', async () => {
    for (const config of [
      { method: 'iterative-dpo' },
      { method: 'iterative-ipo' },
      { method: 's-sppo', gate: { enabled: true, low: 0.2, high: 0.9 }, repulsion: { enabled: false } },
      { method: 's-sppo', gate: { enabled: false }, repulsion: { enabled: true } },
      { method: 'sppo', samplesPerPrompt: 2, sppo: { convention: 'soft-mean', eta: 1 } },
      { method: 'sppo', sppo: { convention: 'hard', eta: 1 } },
    ] as const) {
      const s = mockSetup();
      const result = await runSelfPlay({ ...base, iterations: 1, ...config } as SelfPlayConfig, s);
      expect(Number.isFinite(result.iterations[1]?.['train/loss'])).toBe(true);
      const gated = config.method === 's-sppo' && config.gate.enabled !== false;
      expect(result.iterations[1]?.['gate/mean'] !== undefined).toBe(gated);
      s.policy.dispose();
    }
  });

  it('reports a NaN loss, restores the weights and stops with a numerical error when it repeats', async () => {
    let calls = 0;
    const sometimesNaN: LossV1 = {
      ...sppoLoss({ eta: 1 }),
      doCompute(batch) {
        calls += 1;
        const out = sppoLoss({ eta: 1 }).doCompute(batch);
        return calls === 2 ? { ...out, loss: tf.mul(out.loss, Number.NaN) as tf.Scalar } : out;
      },
    };
    const s = mockSetup();
    const events: string[] = [];
    const result = await runSelfPlay(
      { ...base, method: 'sppo', iterations: 1 },
      { ...s, loss: sometimesNaN, onEvent: (e) => events.push(e.type) },
    );
    expect(events).toEqual(['non-finite-loss']);
    expect(result.events[0]?.step).toBe(2);
    expect(Number.isFinite(s.policy.logits.dataSync()[0])).toBe(true);

    const alwaysNaN: LossV1 = {
      ...sppoLoss({ eta: 1 }),
      doCompute(batch) {
        const out = sppoLoss({ eta: 1 }).doCompute(batch);
        return { ...out, loss: tf.mul(out.loss, Number.NaN) as tf.Scalar };
      },
    };
    const before = Array.from(s.policy.logits.dataSync());
    const error = await runSelfPlay(
      { ...base, method: 'sppo', iterations: 1, epochs: 5, maxNonFiniteSteps: 2, evaluateInitial: false },
      { ...s, loss: alwaysNaN },
    ).catch((e: unknown) => e);
    expect(PrefplayError.hasCode(error, 'numerical')).toBe(true);
    expect(Array.from(s.policy.logits.dataSync())).toEqual(before);
    s.policy.dispose();
  });

  it('rejects a bad config naming the field and a gate without an encoder', async () => {
    const s = mockSetup();
    await expect(runSelfPlay({ ...base, samplesPerPrompt: 1 }, s)).rejects.toThrow(/samplesPerPrompt/);
    const { encoder: _unused, ...noEncoder } = s;
    await expect(runSelfPlay(base, noEncoder)).rejects.toThrow(/encoder/);
    s.policy.dispose();
  });
});
