import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type LossV1,
  type PreferenceOracleV1,
  PrefplayError,
  type PromptV1,
  type SampleOptionsV1,
  type SamplerV1,
} from '@prefplay/core';
import { createLossRegistry, defaultLossRegistry, sppoLoss, withTotal } from '@prefplay/losses';
import { createTabularPolicy, createTransformerPolicy } from '@prefplay/policies';
import { assertClose, mockEncoder, mockOracle, mockPolicy, mockSampler, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRunDirectory } from './run-directory.js';
import { runSelfPlay } from './run-self-play.js';
import { memoryRunStore } from './run-store.js';
import type { SelfPlayConfig } from './self-play-config.js';
import { selfPlayConfigFromPreset } from './self-play-presets.js';

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

const base: SelfPlayConfig = selfPlayConfigFromPreset('s-sppo', {
  iterations: 3,
  samplesPerPrompt: 3,
  epochs: 2,
  batchSize: 4,
  learningRate: 0.05,
  seed: 11,
  loss: { name: 'sppo', options: { eta: 2 } },
  calibration: { gate: { low: 0.2, high: 0.9 } },
  repulsion: { lambda: 0.1, margin: 1 },
  evaluationSamplesPerPrompt: 2,
});
const sppoBase: SelfPlayConfig = {
  ...base,
  name: 'sppo',
  calibration: { enabled: false },
  repulsion: { enabled: false },
};
const lossOf = (config: SelfPlayConfig, name: string): SelfPlayConfig => ({ ...config, name, loss: { name } });

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
        loss: { name: 'sppo-all', options: { eta: 2 } },
        iterations: 1,
        samplesPerPrompt: 4,
        epochs: 300,
        batchSize: 1,
        learningRate: 0.05,
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
      { ...sppoBase, iterations: 2, epochs: 30, batchSize: 6, evaluateInitial: false },
      { ...s, store: await openRunDirectory(dir), now: () => new Date(0) },
    );
    const lines = (await readFile(join(dir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const steps = lines.filter((l) => l.kind === 'step');
    for (const line of steps.slice(0, 30)) losses.push(line.loss);
    expect(steps.length).toBe(60);
    expect(losses[losses.length - 1]).toBeLessThan((losses[0] as number) * 0.5);
    // the schema of metrics.jsonl: global steps across iterations, TRL's names, a time
    expect(steps.map((l) => l.step)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(steps[0]).toMatchObject({ run: 'sppo', iteration: 1, epoch: 0, time: '1970-01-01T00:00:00.000Z' });
    expect(steps[0].loss).toBe(steps[0]['loss/total']);
    expect(steps[0].grad_norm).toBeGreaterThan(0);
    expect(steps[0]).toHaveProperty('rewards/chosen');
    const iterations = lines.filter((l) => l.kind === 'iteration');
    expect(iterations.map((l) => [l.iteration, l.step])).toEqual([
      [1, 30],
      [2, 60],
    ]);
    expect(iterations[0].metrics).toHaveProperty('train/loss');
    s.policy.dispose();
  });

  it('resumes from a checkpoint to the same final numbers as an uninterrupted run', async () => {
    const a = mockSetup();
    const straight = join(scratch, 'straight');
    const r1 = await runSelfPlay(base, { ...a, store: await openRunDirectory(straight) });
    const finalA = Array.from(a.policy.logits.dataSync());
    a.policy.dispose();

    const b = mockSetup();
    const crashed = join(scratch, 'crashed');
    await runSelfPlay({ ...base, iterations: 2 }, { ...b, store: await openRunDirectory(crashed) });
    b.policy.dispose(); // the process "dies"; a new one starts from scratch weights
    const c = mockSetup(99);
    // a store that holds a run is not silently reused
    await expect(
      runSelfPlay(base, { ...c, store: await openRunDirectory(crashed, { mode: 'resume' }) }),
    ).rejects.toThrow(/already holds a run \(checkpoint of iteration 2\).*resume/);
    const r2 = await runSelfPlay(base, {
      ...c,
      store: await openRunDirectory(crashed, { mode: 'resume' }),
      resume: true,
    });
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
        .filter((l) => l.kind === 'iteration')
        .map(({ time: _time, ...rest }) => rest);
    expect(await iterationLines(crashed)).toEqual(await iterationLines(straight));
    expect(r1.iterations[1]).toHaveProperty('gate/mean');
    expect(r1.iterations[1]).toHaveProperty('similarity/q50');
    expect(r1.iterations[1]).toHaveProperty('latent_distance/mean');
    expect(r1.iterations[1]).toHaveProperty('logps/chosen_change');
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
    const schedule = { iterations: 1, samplesPerPrompt: 3, epochs: 2, batchSize: 4, learningRate: 0.05, seed: 11 };
    for (const [preset, overrides, gated] of [
      ['iterative-dpo', {}, false],
      ['iterative-ipo', {}, false],
      ['s-sppo-gate-only', { calibration: { gate: { low: 0.2, high: 0.9 } } }, true],
      ['s-sppo-repulsion-only', {}, false],
      ['sppo', { samplesPerPrompt: 2, loss: { name: 'sppo-soft-mean', options: { eta: 1 } } }, false],
      ['sppo', { loss: { name: 'sppo-hard', options: { eta: 1 } } }, false],
    ] as const) {
      const s = mockSetup();
      const result = await runSelfPlay(selfPlayConfigFromPreset(preset, { ...schedule, ...overrides }), s);
      expect(result.run).toBe(preset);
      expect(Number.isFinite(result.iterations[1]?.['train/loss'])).toBe(true);
      expect(result.iterations[1]?.['gate/mean'] !== undefined).toBe(gated);
      expect(result.iterations[1]?.['latent_distance/mean'] !== undefined).toBe(true);
      s.policy.dispose();
    }
  });

  it('reports a NaN loss, restores the weights and stops with a numerical error when it repeats', async () => {
    let calls = 0;
    const alwaysNaN: LossV1 = {
      ...sppoLoss({ eta: 1 }),
      doCompute(batch) {
        const out = sppoLoss({ eta: 1 }).doCompute(batch);
        return { ...out, loss: tf.mul(out.loss, Number.NaN) as tf.Scalar };
      },
    };
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
    const losses = createLossRegistry({ 'sometimes-nan': () => sometimesNaN, 'always-nan': () => alwaysNaN });
    const result = await runSelfPlay(
      { ...lossOf(sppoBase, 'sometimes-nan'), iterations: 1 },
      { ...s, losses, onEvent: (e) => events.push(e.type) },
    );
    expect(events).toEqual(['non-finite-loss']);
    expect(result.events[0]?.step).toBe(2);
    expect(Number.isFinite(s.policy.logits.dataSync()[0])).toBe(true);

    const before = Array.from(s.policy.logits.dataSync());
    const error = await runSelfPlay(
      { ...lossOf(sppoBase, 'always-nan'), iterations: 1, epochs: 5, maxNonFiniteSteps: 2, evaluateInitial: false },
      { ...s, losses },
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

  it('names an unknown key in the loss options with its full path, and an unknown loss', async () => {
    const s = mockSetup();
    const typo = runSelfPlay({ ...sppoBase, loss: { name: 'sppo', options: { etaa: 100 } } }, s);
    await expect(typo).rejects.toThrow(/field "loss\.options\.etaa".*unknown key "etaa"/);
    await expect(runSelfPlay(lossOf(sppoBase, 'nope'), s)).rejects.toThrow(/unknown loss "nope".*Use one of: sppo/);
    s.policy.dispose();
  });

  it("draws each iteration's evaluation from a seed of its own", async () => {
    const s = mockSetup();
    const seeds: number[] = [];
    const sampler: SamplerV1 = {
      ...s.sampler,
      doSample(options: SampleOptionsV1) {
        if (options.prompts === s.evalPrompts) seeds.push(options.seed as number);
        return s.sampler.doSample(options);
      },
    };
    const evaluatorSeeds: number[] = [];
    await runSelfPlay(
      { ...sppoBase, iterations: 3, epochs: 1 },
      {
        ...s,
        sampler,
        evaluators: [
          {
            specificationVersion: 'v1',
            evaluatorId: 'seeds',
            async doEvaluate(context) {
              evaluatorSeeds.push(context.seed as number);
              return {};
            },
          },
        ],
      },
    );
    expect(seeds).toHaveLength(4);
    expect(new Set(seeds).size).toBe(4);
    expect(new Set(evaluatorSeeds).size).toBe(4);
    s.policy.dispose();
  });
});

describe('runSelfPlay with plugin losses', () => {
  it('trains a registered loss by name and labels the run with it', async () => {
    const s = mockSetup();
    let computed = 0;
    const mine: LossV1 = {
      ...defaultLossRegistry.create('dpo', { beta: 0.2 }),
      lossId: 'mine',
      doCompute(batch) {
        computed += 1;
        return defaultLossRegistry.create('dpo', { beta: 0.2 }).doCompute(batch);
      },
    };
    const losses = createLossRegistry({ ...defaultLossRegistry.factories, mine: () => mine });
    const store = memoryRunStore();
    const result = await runSelfPlay(
      { ...lossOf(sppoBase, 'mine'), name: undefined, iterations: 1 },
      { ...s, losses, store },
    );
    expect(result.run).toBe('mine');
    expect(Object.keys(result.summary.methods)).toEqual(['mine']);
    expect(computed).toBe(result.iterations[1]?.['train/steps']);
    expect(JSON.parse(store.files.get('summary.json') as string).config.loss).toEqual({ name: 'mine' });
    s.policy.dispose();
  });

  it('hands a loss the per-token log-probs and masks of the policy, and plugin batch extensions', async () => {
    // a length-normalised margin (SimPO-like): mean token log-prob of chosen minus rejected
    const seen: { tokenMean: number[]; forwardMean: number[]; extension: number[] } = {
      tokenMean: [],
      forwardMean: [],
      extension: [],
    };
    const s = mockSetup();
    const perToken: LossV1 = {
      specificationVersion: 'v1',
      lossId: 'per-token',
      requires: ['policyChosenTokenLogps', 'chosenTokenMask', 'policyRejectedTokenLogps', 'rejectedTokenMask'],
      requiresExtensions: ['chosen-length'],
      doCompute(batch) {
        const mean = (t: tf.Tensor2D, m: tf.Tensor2D) => tf.div(tf.sum(t, 1), tf.sum(m, 1)) as tf.Tensor1D;
        const chosen = mean(batch.policyChosenTokenLogps as tf.Tensor2D, batch.chosenTokenMask as tf.Tensor2D);
        const rejected = mean(batch.policyRejectedTokenLogps as tf.Tensor2D, batch.rejectedTokenMask as tf.Tensor2D);
        seen.tokenMean.push(...Array.from(chosen.dataSync()));
        seen.extension.push(
          ...Array.from(((batch.extensions as Record<string, tf.Tensor>)['chosen-length'] as tf.Tensor).dataSync()),
        );
        const loss = tf.mean(tf.softplus(tf.neg(tf.sub(chosen, rejected)))) as tf.Scalar;
        return withTotal(loss, {});
      },
    };
    const rowsSeen: (readonly number[])[] = [];
    const promptsSeen: (readonly number[])[] = [];
    const extensions = {
      'chosen-length': {
        specificationVersion: 'v1' as const,
        name: 'chosen-length',
        doCompute(rows: readonly { prompt: readonly number[]; chosen: readonly number[] }[]) {
          rowsSeen.push(...rows.map((r) => r.chosen));
          promptsSeen.push(...rows.map((r) => r.prompt));
          return tf.tensor1d(rows.map((r) => r.chosen.length));
        },
      },
    };
    // the same rows scored directly by the policy, before any update: the first step's values
    const policyBefore = s.policy.doSnapshot();
    await runSelfPlay(
      { ...lossOf(sppoBase, 'per-token'), iterations: 1, epochs: 1, batchSize: 6, evaluateInitial: false },
      { ...s, losses: createLossRegistry({ 'per-token': () => perToken }), extensions },
    );
    expect(rowsSeen).toHaveLength(6);
    expect(seen.extension).toEqual(rowsSeen.map((r) => r.length));
    const direct = tf.tidy(() => {
      const out = policyBefore.doForward({ prompts: promptsSeen, responses: rowsSeen });
      return Array.from(out.logps.dataSync()).map((v, i) => v / (rowsSeen[i] as readonly number[]).length);
    });
    assertClose(seen.tokenMean, direct, { atol: 1e-5 });
    policyBefore.dispose();
    s.policy.dispose();
  });
});
