import {
  createRng,
  type EvaluatorV1,
  type PreferenceOracleV1,
  type PromptV1,
  parseOptions,
  type ResponseV1,
  type SemanticEncoderV1,
  type TokenIds,
} from '@prefplay/core';
import { createWordTokenizer, type Tokenizer } from '@prefplay/policies';
import { z } from 'zod';
import { type AnnotatorPopulation, drawAnnotators } from './annotators.js';
import { type ClaimExploitability, claimExploitability } from './claim-exploitability.js';
import { createDomainCodec } from './domain-codec.js';
import type { SyntheticMeaning } from './parse-response.js';
import { type ResponseStatistics, responseStatistics } from './response-statistics.js';
import { drawConcentratedClaim, drawReferenceResponse } from './sft-corpus.js';
import { createSyntheticEncoder } from './synthetic-encoder.js';
import { createSyntheticEvaluator } from './synthetic-evaluator.js';
import { createTrainingOracle } from './training-oracle.js';
import { createTruePreference } from './true-preference.js';
import { claimsPerTopic, domainWords, promptTemplates, topicGroups } from './vocabulary.js';

/** Options of `createSyntheticTask`; every field has a default (see the README for the reasons). */
export const syntheticTaskOptionsSchema = z
  .object({
    /** Seed of everything random in the task: prompt split, annotators, SFT corpus, policy init. */
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    /**
     * κ of the training oracle on same-meaning pairs, `σ(logit P_truth + κ·(f_i − f_j))`; 0 = the
     * clean truth.
     */
    overconfidence: z.number().min(0).max(100).default(4),
    /**
     * Annotators (of three) who prefer the concise one of two paraphrases: 1 makes the truth prefer
     * the response with fewer fillers 2 to 1 among paraphrases; 0 makes it exactly indifferent.
     */
    concision: z.number().int().min(0).max(3).default(1),
    /**
     * Share of the SFT corpus's responses per topic that state the topic's dominant claim (seeded
     * per topic); the others are spread uniformly over the other eight claims. `null` draws every
     * claim uniformly (a share of 1/9, the corpus of earlier versions).
     */
    dominantClaimShare: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .default(2 / 3),
    /** Reference responses per training prompt in the SFT corpus. */
    sftResponsesPerPrompt: z.number().int().min(1).max(10_000).default(64),
    /** Probability of a filler word before each of the five words of a reference response. */
    fillerProbability: z.number().min(0).max(0.5).default(0.08),
    /** Recommended sampling budget per response (EOS included); also sizes the policy's context. */
    maxNewTokens: z.number().int().min(7).max(64).default(16),
    /** Recommended sampling temperature. */
    temperature: z.number().positive().max(10).default(1),
    /** Transformer size of the task's policy. */
    policy: z
      .object({
        dModel: z.number().int().min(4).max(512).default(48),
        numLayers: z.number().int().min(1).max(8).default(2),
        numHeads: z.number().int().min(1).max(16).default(4),
        dFF: z.number().int().min(4).max(2048).default(96),
      })
      .strict()
      .refine((p) => p.dModel % p.numHeads === 0, { path: ['numHeads'], message: 'numHeads must divide dModel' })
      .prefault({}),
  })
  .strict();

export type SyntheticTaskOptions = z.input<typeof syntheticTaskOptionsSchema>;
export type ResolvedSyntheticTaskOptions = z.output<typeof syntheticTaskOptionsSchema>;

/** The transformer configuration of the task's policies (a `createTransformerPolicy` config). */
export type SyntheticPolicyConfig = {
  readonly vocabSize: number;
  readonly dModel: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly dFF: number;
  readonly maxSequenceLength: number;
  readonly tiedEmbeddings: boolean;
  readonly eosTokenId: number;
  readonly seed: number;
};

/** A prompt of the task with the topic and phrasing it was built from. */
export type SyntheticPrompt = PromptV1 & { readonly text: string; readonly topic: number; readonly template: number };

export type SyntheticTask = {
  readonly options: ResolvedSyntheticTaskOptions;
  readonly tokenizer: Tokenizer;
  /** Prompts training samples from (30: each topic with five of its six phrasings). */
  readonly trainPrompts: readonly SyntheticPrompt[];
  /** Held-out prompts (6: each topic with the phrasing its training prompts lack). */
  readonly evalPrompts: readonly SyntheticPrompt[];
  /** Per topic, the index (`quality · 3 + context`) of the claim a concentrated corpus favours. */
  readonly dominantClaims: readonly number[];
  /** The reference corpus for supervised fine-tuning, on training prompts only. */
  readonly sftExamples: readonly { readonly prompt: TokenIds; readonly response: TokenIds }[];
  readonly policyConfig: SyntheticPolicyConfig;
  /** Recommended sampler settings. */
  readonly sampling: { readonly maxNewTokens: number; readonly temperature: number; readonly eosTokenId: number };
  /** The held-out judge: majority of the annotator population, meaning only. */
  readonly truePreference: PreferenceOracleV1;
  /** The judge training sees: the truth, overconfident on same-meaning pairs. */
  readonly trainingOracle: PreferenceOracleV1;
  /** Bag-of-synonym-groups sentence encoder. */
  readonly encoder: SemanticEncoderV1;
  readonly population: AnnotatorPopulation;
  meaningOf(response: ResponseV1): SyntheticMeaning;
  /** Topic index a prompt asks about. */
  topicOf(prompt: PromptV1): number;
  /** A response written as space-separated domain words, EOS appended (e.g. `cats are calm today .`). */
  response(text: string): ResponseV1;
  /** The words of response tokens (EOS and anything after it dropped). */
  responseText(tokens: TokenIds): string;
  /** Exploitability of a prompt's responses under the truth, against every on-topic claim. */
  claimExploitability(prompt: PromptV1, responses: readonly ResponseV1[]): ClaimExploitability;
  responseStatistics(responses: readonly ResponseV1[]): ResponseStatistics;
  /** Domain metrics of held-out samples (`synthetic/*`). */
  readonly evaluator: EvaluatorV1;
};

/** Builds the synthetic instruction domain. Deterministic in its options. */
export function createSyntheticTask(input: SyntheticTaskOptions = {}): SyntheticTask {
  const options = parseOptions(syntheticTaskOptionsSchema, input, { what: 'synthetic task options' });
  const rng = createRng(options.seed);
  const tokenizer = createWordTokenizer([domainWords().join(' ')]);
  const codec = createDomainCodec(tokenizer);

  const shift = rng.fork('split').int(promptTemplates.length);
  const trainPrompts: SyntheticPrompt[] = [];
  const evalPrompts: SyntheticPrompt[] = [];
  topicGroups.forEach((group, topic) => {
    promptTemplates.forEach((template, index) => {
      const text = template.replace('{topic}', group[0]);
      const prompt: SyntheticPrompt = {
        id: `${group[0]}-${index}`,
        tokens: codec.promptTokens(text),
        text,
        topic,
        template: index,
      };
      if ((topic + shift) % promptTemplates.length === index) evalPrompts.push(prompt);
      else trainPrompts.push(prompt);
    });
  });

  const population = drawAnnotators(rng.fork('annotators'), { concision: options.concision });

  const dominantRng = rng.fork('dominant-claims');
  const dominantClaims = topicGroups.map(() => dominantRng.int(claimsPerTopic));
  const corpusRng = rng.fork('sft-corpus');
  const examples: { prompt: TokenIds; response: TokenIds }[] = [];
  for (const prompt of trainPrompts) {
    for (let n = 0; n < options.sftResponsesPerPrompt; n++) {
      const share = options.dominantClaimShare;
      const claim =
        share === null ? undefined : drawConcentratedClaim(corpusRng, dominantClaims[prompt.topic] as number, share);
      const text = drawReferenceResponse(corpusRng, prompt.topic, options.fillerProbability, claim);
      examples.push({ prompt: prompt.tokens, response: codec.responseTokens(text) });
    }
  }
  const sftExamples = corpusRng.shuffle(examples);

  const maxPromptLength = Math.max(...[...trainPrompts, ...evalPrompts].map((p) => p.tokens.length));
  const policyConfig: SyntheticPolicyConfig = {
    vocabSize: tokenizer.vocabSize,
    dModel: options.policy.dModel,
    numLayers: options.policy.numLayers,
    numHeads: options.policy.numHeads,
    dFF: options.policy.dFF,
    maxSequenceLength: maxPromptLength + options.maxNewTokens,
    tiedEmbeddings: true,
    eosTokenId: tokenizer.eosId,
    seed: options.seed,
  };

  const truePreference = createTruePreference({ codec, population });
  const trainingOracle = createTrainingOracle({ codec, population, overconfidence: options.overconfidence });
  const encoder = createSyntheticEncoder({ codec });
  const meaningOf = (response: ResponseV1): SyntheticMeaning => codec.meaningOf(response);
  const topicOf = (prompt: PromptV1): number => codec.topicOf(prompt);
  const exploitability = (prompt: PromptV1, responses: readonly ResponseV1[]): ClaimExploitability =>
    claimExploitability(
      population,
      topicOf(prompt),
      responses.map((r) => meaningOf(r)),
    );
  const statistics = (responses: readonly ResponseV1[]): ResponseStatistics =>
    responseStatistics(responses.map((r) => meaningOf(r)));

  return {
    options,
    tokenizer,
    trainPrompts,
    evalPrompts,
    dominantClaims,
    sftExamples,
    policyConfig,
    sampling: { maxNewTokens: options.maxNewTokens, temperature: options.temperature, eosTokenId: tokenizer.eosId },
    truePreference,
    trainingOracle,
    encoder,
    population,
    meaningOf,
    topicOf,
    response: (text) => ({ tokens: codec.responseTokens(text), text }),
    responseText: (tokens) => codec.responseText(tokens),
    claimExploitability: exploitability,
    responseStatistics: statistics,
    evaluator: createSyntheticEvaluator({ population, codec }),
  };
}
