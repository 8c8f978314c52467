import { createRng, type PreferenceMatrix, type PreferenceOracleV1, type SemanticEncoderV1 } from '@prefplay/core';
import { createTransformerPolicy } from '@prefplay/policies';
import { isConstantSum } from '@prefplay/preference';
import {
  createSyntheticTask,
  drawReferenceResponse,
  fillerWords,
  numAnnotators,
  type SyntheticPrompt,
} from '@prefplay/synthetic';
import { useTestBackend } from '@prefplay/testing';
import { runSelfPlay, type SelfPlayConfig, selfPlayConfigFromPreset } from '@prefplay/trainers';
import { MockEmbeddingModelV3, MockLanguageModelV3 } from 'ai/test';
import { beforeAll, describe, expect, it } from 'vitest';
import { choiceLogprobs, generateResult, parseJudgeCall, userText } from './__fixtures__/mock-judge-model.js';
import { aiSdkEncoder } from './ai-sdk-encoder.js';
import { aiSdkJudge } from './ai-sdk-judge.js';
import { aiSdkSampler } from './ai-sdk-sampler.js';

beforeAll(async () => {
  await useTestBackend();
});

// A short S-SPPO run on the synthetic task where sampler, judge and encoder are all AI SDK models:
// mocks that write the task's reference responses (with fillers), answer with log-probs from the task's own
// training oracle and embed with the task's own encoder. Judged through the adapter, every matrix
// must equal the task oracle's on the same responses, and the run must match one that uses the
// task's oracle and encoder directly.

const task = createSyntheticTask({ seed: 2, overconfidence: 4, sftResponsesPerPrompt: 1 });
const byText = new Map<string, SyntheticPrompt>([...task.trainPrompts, ...task.evalPrompts].map((p) => [p.text, p]));
const promptOf = (text: string): SyntheticPrompt => {
  const prompt = byText.get(text);
  if (!prompt) throw new Error(`unknown prompt ${JSON.stringify(text)}`);
  return prompt;
};

/**
 * Writes a reference response for the prompt from the call's seed: the claim from `seed mod 2`,
 * `seed mod 3` leading filler words, so the K = 3 samples (seeds s, s+1, s+2) of a prompt always hold
 * a pair with the same claim and different filler counts (the oracle's overconfident case) and a
 * pair of different claims (the truth's majority vote).
 */
const writerModel = () =>
  new MockLanguageModelV3({
    doGenerate: async (options) => {
      const prompt = promptOf(userText(options));
      const seed = options.seed ?? 0;
      const claim = drawReferenceResponse(createRng(seed % 2).fork(prompt.id), prompt.topic, 0);
      const fillers = Array.from({ length: seed % 3 }, (_, i) => fillerWords[i] as string);
      return generateResult({ text: [...fillers, claim].join(' ') });
    },
  });

/** Answers "A or B" with the log-probs of the task's training oracle on the two responses. */
const oracleJudgeModel = () =>
  new MockLanguageModelV3({
    doGenerate: async (options) => {
      const { prompt, first, second } = parseJudgeCall(options);
      const m = await task.trainingOracle.doCompare({
        prompt: promptOf(prompt),
        responses: [task.response(first), task.response(second)],
      });
      return generateResult({ text: 'A', topLogprobs: choiceLogprobs(m[0]?.[1] as number) });
    },
  });

const embeddingModel = () =>
  new MockEmbeddingModelV3({
    maxEmbeddingsPerCall: 16,
    doEmbed: async ({ values }) => ({
      embeddings: await task.encoder.doEncode({ responses: values.map((text) => task.response(text)) }),
      warnings: [],
    }),
  });

/** Calls `oracle`, and `reference` on the same inputs, keeping both matrices. */
function recording(oracle: PreferenceOracleV1, reference: PreferenceOracleV1) {
  const pairs: { got: PreferenceMatrix; want: PreferenceMatrix }[] = [];
  const recorder: PreferenceOracleV1 = {
    specificationVersion: 'v1',
    oracleId: oracle.oracleId,
    async doCompare(options) {
      const got = await oracle.doCompare(options);
      pairs.push({ got, want: await reference.doCompare(options) });
      return got;
    },
  };
  return { recorder, pairs };
}

const config: SelfPlayConfig = selfPlayConfigFromPreset('s-sppo', {
  iterations: 2,
  samplesPerPrompt: 3,
  epochs: 1,
  batchSize: 4,
  learningRate: 0.01,
  seed: 5,
  loss: { name: 'sppo', options: { eta: 2 } },
  calibration: { gate: { low: 0.2, high: 0.9 } },
  evaluateInitial: false,
});

async function run(oracle: PreferenceOracleV1, encoder: SemanticEncoderV1) {
  const policy = createTransformerPolicy({ ...task.policyConfig, dModel: 8, numLayers: 1, numHeads: 2, dFF: 16 });
  try {
    const sampler = aiSdkSampler({
      model: writerModel(),
      tokenize: (text) => [...task.response(text).tokens],
    });
    return await runSelfPlay(config, {
      policy,
      sampler,
      oracle,
      encoder,
      trainPrompts: task.trainPrompts.slice(0, 4),
    });
  } finally {
    policy.dispose();
  }
}

describe('self-play on the synthetic task through the AI SDK adapter', () => {
  it("judges exactly as the task's oracle and trains to the same numbers", async () => {
    const judge = aiSdkJudge({ model: oracleJudgeModel() });
    const { recorder, pairs } = recording(judge, task.trainingOracle);
    const adapted = await run(recorder, aiSdkEncoder({ model: embeddingModel() }));

    expect(pairs).toHaveLength(2 * 4); // iterations × training prompts
    for (const { got, want } of pairs) {
      expect(isConstantSum(got, 1e-12)).toBe(true);
      const deviation = Math.max(...got.flatMap((row, i) => row.map((v, j) => Math.abs(v - (want[i]?.[j] as number)))));
      expect(deviation).toBeLessThan(1e-12);
      expect(got).toHaveLength(want.length);
    }
    const values = pairs.flatMap(({ want }) => want.flatMap((row, i) => row.filter((_, j) => j > i)));
    // the run met both kinds of pairs: majority votes of the truth (multiples of 1/(2·annotators))
    // and the overconfident σ(κ·Δf) of same-claim pairs (not such multiples)
    const isVote = (v: number) => Math.abs(v * 2 * numAnnotators - Math.round(v * 2 * numAnnotators)) < 1e-9;
    expect(values.filter((v) => isVote(v) && v !== 0.5).length).toBeGreaterThan(0);
    expect(values.filter((v) => !isVote(v)).length).toBeGreaterThan(0);
    expect(judge.stats).toMatchObject({ queries: 2 * 4 * 6, logprobAnswers: 2 * 4 * 6, unreadableAnswers: 0 });

    const direct = await run(task.trainingOracle, task.encoder);
    expect(adapted.iterations).toHaveLength(direct.iterations.length);
    adapted.iterations.forEach((summary, t) => {
      const reference = direct.iterations[t] as Record<string, unknown>;
      for (const [key, value] of Object.entries(summary)) {
        if (typeof value === 'number')
          expect(value, `${key} at iteration ${t}`).toBeCloseTo(reference[key] as number, 6);
      }
    });
    expect(adapted.iterations[1]).toHaveProperty('gate/mean');
  });
});
