import {
  createRng,
  type EvaluatorV1,
  PrefplayError,
  type PromptV1,
  parseOptions,
  type SamplerV1,
  type SampleV1,
} from '@prefplay/core';
import { distinctN, labelDiversity, meanLength, twoSampleWinRate } from '@prefplay/evaluators';
import { z } from 'zod';
import { claimExploitability } from './claim-exploitability.js';
import type { SyntheticTask } from './create-synthetic-task.js';
import { histogramDistribution, winRateSample } from './distribution-metrics.js';
import { type MeaningHistogram, meaningHistogram } from './meaning-histogram.js';

const objectWith = <T>(method: string, what: string) =>
  z.custom<T>(
    (value) => typeof value === 'object' && value !== null && typeof (value as never)[method] === 'function',
    {
      message: `expected ${what} (an object with ${method})`,
    },
  );

export const meaningEvaluatorOptionsSchema = z
  .object({
    task: z.custom<SyntheticTask>(
      (value) => typeof value === 'object' && value !== null && 'population' in value && 'meaningOf' in value,
      { message: 'expected a SyntheticTask' },
    ),
    /** Draws from the policy being evaluated (built over it, so it follows its weights). */
    sampler: objectWith<SamplerV1>('doSample', 'a SamplerV1'),
    /** Prompts to sample on (default: the task's held-out prompts). */
    prompts: z.array(z.custom<PromptV1>()).min(1).optional(),
    /** Samples per prompt and iteration. */
    samplesPerPrompt: z.number().int().min(2).max(100_000).default(128),
    /** With `stream`, seeds every iteration's draw: `createRng(seed).fork(stream).fork(iteration)`. */
    seed: z.number().int().min(0),
    /** Label of the run (e.g. cell and method), so that every run draws independent samples. */
    stream: z.string().min(1),
    /** The shared baseline sample's histograms, one per prompt (e.g. `sampleMeaningHistograms` of the base policy). */
    baseline: z.array(z.custom<MeaningHistogram>()).min(1),
    /** Distinct meanings are counted among this many samples (rarefied), e.g. the K of training. */
    subsampleSize: z.number().int().min(1).default(8),
    /** Called with every iteration's histograms (and samples), e.g. to compare runs afterwards. */
    onRecord: z
      .custom<(record: MeaningRecord) => void | Promise<void>>((value) => typeof value === 'function')
      .optional(),
    evaluatorId: z.string().min(1).default('meanings'),
  })
  .strict();

export type MeaningEvaluatorOptions = z.input<typeof meaningEvaluatorOptionsSchema>;

/** What the evaluator saw at one iteration. */
export type MeaningRecord = {
  readonly iteration: number;
  /** The sampling seed of this iteration. */
  readonly seed: number;
  readonly histograms: readonly MeaningHistogram[];
  readonly samples: readonly (readonly SampleV1[])[];
};

/** The seed of iteration `iteration` of a stream: `createRng(seed).fork(stream).fork(iteration)`. */
export function evaluationSeed(seed: number, stream: string, iteration: number): number {
  return createRng(seed)
    .fork(stream)
    .fork(`iteration ${iteration}`)
    .int(2 ** 31 - 1);
}

/**
 * The seed of a seed's shared base sample, `createRng(seed).fork('base sample')`: one draw of the
 * base policy per seed that every run of every cell is compared against.
 */
export function baseSampleSeed(seed: number): number {
  return createRng(seed)
    .fork('base sample')
    .int(2 ** 31 - 1);
}

/** Samples `samplesPerPrompt` responses per prompt and returns their meaning histograms. */
export async function sampleMeaningHistograms(
  task: SyntheticTask,
  sampler: SamplerV1,
  options: { readonly prompts?: readonly PromptV1[]; readonly samplesPerPrompt: number; readonly seed: number },
): Promise<{ histograms: MeaningHistogram[]; samples: SampleV1[][] }> {
  const prompts = options.prompts ?? task.evalPrompts;
  const samples = await sampler.doSample({ prompts, samplesPerPrompt: options.samplesPerPrompt, seed: options.seed });
  return { histograms: samples.map((row) => meaningHistogram(row.map((s) => task.meaningOf(s)))), samples };
}

/**
 * The synthetic task's decisive evaluation. At every iteration it draws its own large sample from
 * the policy with a seed of its own (independent of the trainer's and of every other run), and
 * reports, by the true preference and the known meanings:
 * - `winRateVsBase`, `winRateVsBaseSE`: mean over prompts of `P(sample ≻ baseline sample)` against
 *   the shared baseline sample, with a standard error that includes the baseline's noise
 *   (`winRateVsBaseModelSE` and `winRateVsBaseBaselineSE` are its two parts);
 * - `exploitability`: the exact exploitability of the sampled distribution over meanings
 *   (`claimExploitability`, no pool);
 * - `fillers`, `wellFormed`, `terminated`, `meanLength` (tokens, EOS excluded);
 * - `distinctMeanings`: distinct meanings (claims, or malformed) among `subsampleSize` samples
 *   (rarefied, so comparable across sample sizes), `meaningEntropy` (nats, over meanings), and
 *   `distinct2` of all samples (which counts filler bigrams as diversity).
 * The trainer's own samples in the context are not used.
 */
export function createMeaningEvaluator(options: MeaningEvaluatorOptions): EvaluatorV1 {
  const parsed = parseOptions(meaningEvaluatorOptionsSchema, options, { what: 'meaning evaluator options' });
  const { task, sampler, baseline } = parsed;
  const prompts = parsed.prompts ?? task.evalPrompts;
  if (baseline.length !== prompts.length) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `the baseline has ${baseline.length} histograms for ${prompts.length} prompts`,
      where: { field: 'baseline' },
      hint: 'Sample the baseline on the same prompts, one histogram per prompt',
    });
  }
  const eosTokenId = task.tokenizer.eosId;
  return {
    specificationVersion: 'v1',
    evaluatorId: parsed.evaluatorId,
    async doEvaluate(context) {
      const seed = evaluationSeed(parsed.seed, parsed.stream, context.iteration);
      const samples = await sampler.doSample({
        prompts,
        samplesPerPrompt: parsed.samplesPerPrompt,
        seed,
        ...(context.signal ? { signal: context.signal } : {}),
      });
      const meanings = samples.map((row) => row.map((s) => task.meaningOf(s)));
      const histograms = meanings.map((row) => meaningHistogram(row));
      await parsed.onRecord?.({ iteration: context.iteration, seed, histograms, samples });
      const topics = prompts.map((p) => task.topicOf(p));
      const winRate = twoSampleWinRate(
        histograms.map((h, i) => ({
          baselineWeights: (baseline[i] as MeaningHistogram).counts,
          model: winRateSample(
            task.population,
            topics[i] as number,
            histogramDistribution(h),
            baseline[i] as MeaningHistogram,
          ),
        })),
      );
      const mean = (f: (i: number) => number) => prompts.reduce((s, _, i) => s + f(i), 0) / prompts.length;
      const share = (i: number, test: (m: (typeof meanings)[number][number]) => boolean) =>
        (meanings[i] as (typeof meanings)[number]).filter(test).length / (meanings[i]?.length ?? 1);
      const k = Math.min(parsed.subsampleSize, parsed.samplesPerPrompt);
      const tokens = samples.flatMap((row) => row.map((s) => s.tokens));
      const stripped = tokens.map((t) => (t[t.length - 1] === eosTokenId ? t.slice(0, -1) : t));
      return {
        winRateVsBase: winRate.mean,
        winRateVsBaseSE: winRate.standardError,
        winRateVsBaseModelSE: winRate.modelStandardError,
        winRateVsBaseBaselineSE: winRate.baselineStandardError,
        exploitability: mean(
          (i) =>
            claimExploitability(
              task.population,
              topics[i] as number,
              (histograms[i] as MeaningHistogram).types,
              (histograms[i] as MeaningHistogram).counts,
            ).exploitability,
        ),
        fillers: mean((i) => (meanings[i] ?? []).reduce((s, m) => s + m.fillerCount, 0) / (meanings[i]?.length ?? 1)),
        wellFormed: mean((i) => share(i, (m) => m.wellFormed)),
        terminated: mean((i) => share(i, (m) => m.terminated)),
        meanLength: meanLength(tokens, { eosTokenId }),
        distinctMeanings: mean(
          (i) =>
            labelDiversity(
              (meanings[i] ?? []).map((m) => m.key),
              { subsampleSize: k },
            ).expectedDistinct,
        ),
        meaningEntropy: mean(
          (i) =>
            labelDiversity(
              (meanings[i] ?? []).map((m) => m.key),
              { subsampleSize: 1 },
            ).entropy,
        ),
        distinct2: distinctN(stripped, 2),
      };
    },
  };
}
