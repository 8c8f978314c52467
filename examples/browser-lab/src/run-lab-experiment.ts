import { restorePolicy, type TransformerPolicy } from '@prefplay/policies';
import { createTokenSampler } from '@prefplay/samplers';
import {
  basePolicyOptionsSchema,
  baseSampleSeed,
  cellLabel,
  createBasePolicy,
  createMeaningEvaluator,
  createSyntheticTask,
  idealCurves,
  type MeaningHistogram,
  pairedWinRateDifference,
  type SyntheticTask,
  sampleMeaningHistograms,
  stepFractions,
} from '@prefplay/synthetic';
import {
  exactDynamicsOf,
  exactDynamicsSpecs,
  type IterationSummary,
  mergeConfigLayers,
  type ResolvedSelfPlayConfig,
  type RunSummary,
  runSelfPlay,
  type SelfPlayConfig,
  selfPlayConfigFromPreset,
  selfPlayConfigSchema,
  type TrainerProgress,
} from '@prefplay/trainers';
import type { MainJobConfig, MainJobMethodEntry } from './main-job-config.js';
import { type JudgedBatch, recordingOracle } from './recording-oracle.js';

/** A method's final true win rate minus another's, against the same base sample, with its SE. */
export type LabComparison = {
  readonly first: string;
  readonly second: string;
  readonly seed: number;
  readonly difference: number;
  readonly standardError: number;
};

/**
 * What the lab reports: the run's summary (the shape of the trainer's `summary.json`, every
 * iteration with the pre-registered evaluation's metrics), and what the CLI's `summary.json` holds
 * for the cell: its label, the exact dynamics and the paired differences to SPPO.
 */
export type LabSummary = RunSummary & {
  /** The cell's label, as in the CLI's summary (`κ=4 concision=1 share 0.667`). */
  readonly cell: string;
  /** Exact SPPO / S-SPPO from the measured base distribution, per iteration. */
  readonly ideal: Readonly<Record<string, { readonly iterations: readonly IterationSummary[] }>>;
  /** Every method's final win rate minus SPPO's (when SPPO ran), paired on the base sample. */
  readonly comparisons: readonly LabComparison[];
};

export type LabRunHooks = {
  readonly signal?: AbortSignal;
  /** Run the methods one after the other (as the CLI does) instead of side by side. */
  readonly sequential?: boolean;
  onTask?(task: SyntheticTask): void;
  onBaseStep?(step: number, steps: number, loss: number): void;
  onBaseReady?(seconds: number): void;
  /** The exact dynamics, known as soon as the base sample is drawn. */
  onIdeal?(ideal: LabSummary['ideal']): void;
  onProgress?(method: string, progress: TrainerProgress): void;
  /** An iteration's training and evaluation numbers, with its step fraction from iteration 1 on. */
  onIteration?(method: string, summary: IterationSummary): void;
  /** The judge's verdicts on what a method sampled in a training iteration. */
  onJudged?(method: string, iteration: number, batches: readonly JudgedBatch[], task: SyntheticTask): void;
};

/**
 * A method entry as the self-play config it runs: its preset, then the shared trainer fields,
 * then the entry's own fields (the CLI's `resolveMethods` layers them the same way).
 */
export function methodSelfPlayConfig(config: MainJobConfig, entry: MainJobMethodEntry, seed: number): SelfPlayConfig {
  const { method, ...overrides } = entry;
  return {
    ...selfPlayConfigFromPreset(method, mergeConfigLayers(config.trainer, overrides) as Partial<SelfPlayConfig>),
    name: method,
    seed,
    // the evaluation draws its own samples (createMeaningEvaluator); the trainer's own draw is unused
    evaluationSamplesPerPrompt: 1,
  };
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** An iteration with the fraction of the exact step it realised (from iteration 1 on). */
function withStepFraction(row: IterationSummary, fractions: ReturnType<typeof stepFractions>): IterationSummary {
  const f = fractions[row.iteration];
  return f === undefined ? row : { ...row, stepFraction: f.fraction, idealStepLength: f.idealLength };
}

/**
 * One cell and seed of `prefplay reproduce`, trained and evaluated as the CLI does, with what the
 * CLI keeps in its run directory handed to hooks instead: the task, the base policy by SFT and one
 * shared base sample on the held-out prompts; every method's self-play from that same base (side
 * by side unless `sequential`), evaluated at every iteration by `createMeaningEvaluator` on its own
 * independently seeded sample against the base sample; the exact dynamics from the measured base
 * distribution (`idealCurves`), the fraction of the exact step each iteration realised
 * (`stepFractions`) and the paired differences to SPPO (`pairedWinRateDifference`).
 */
export async function runLabExperiment(config: MainJobConfig, hooks: LabRunHooks = {}): Promise<LabSummary> {
  const seed = config.seeds[0];
  if (seed === undefined || config.seeds.length !== 1) {
    throw new Error(`the lab runs one seed at a time, got seeds [${config.seeds.join(', ')}]`);
  }
  const signal = hooks.signal ? { signal: hooks.signal } : {};
  const task = createSyntheticTask({ ...config.task, seed });
  hooks.onTask?.(task);
  const cell = cellLabel(task.options);
  const sampling = {
    temperature: task.sampling.temperature,
    maxNewTokens: task.sampling.maxNewTokens,
    eosTokenId: task.sampling.eosTokenId,
  };
  const methods = config.methods.map((entry) => ({
    entry,
    name: entry.method,
    config: selfPlayConfigSchema.parse(methodSelfPlayConfig(config, entry, seed)) as ResolvedSelfPlayConfig,
  }));
  const diversitySubsample = methods[0]?.config.samplesPerPrompt ?? 8;

  // 1. the base policy and the shared base sample
  const baseStart = now();
  const steps = config.base.steps;
  const totalSteps = steps ?? basePolicyOptionsSchema.parse({}).steps;
  const base = await createBasePolicy(task, {
    seed,
    ...(steps !== undefined ? { steps } : {}),
    onStep: (s) => hooks.onBaseStep?.(s.step + 1, totalSteps, s.loss),
    ...signal,
  });
  const baseState = base.doSaveState();
  let baseHistograms: MeaningHistogram[];
  try {
    ({ histograms: baseHistograms } = await sampleMeaningHistograms(
      task,
      createTokenSampler({ decoder: base, ...sampling, batchSize: 128, decode: (tokens) => task.responseText(tokens) }),
      { samplesPerPrompt: config.evaluation.baseSamplesPerPrompt, seed: baseSampleSeed(seed) },
    ));
  } finally {
    base.dispose();
  }
  hooks.onBaseReady?.((now() - baseStart) / 1000);
  const curves = idealCurves({
    task,
    baseHistograms,
    specs: exactDynamicsSpecs(methods.map((m) => m.config)),
    iterations: Math.max(...methods.map((m) => m.config.iterations)),
    diversitySubsample,
  });
  const ideal = Object.fromEntries(Object.entries(curves).map(([name, rows]) => [name, { iterations: rows }]));
  hooks.onIdeal?.(ideal);

  // 2. every method's run from that base
  const runMethod = async ({ name, config: methodConfig }: (typeof methods)[number]) => {
    const policy = restorePolicy(baseState) as TransformerPolicy;
    try {
      const sampler = createTokenSampler({
        decoder: policy,
        ...sampling,
        decode: (tokens) => task.responseText(tokens),
      });
      const evaluationSampler = createTokenSampler({ decoder: policy, ...sampling, batchSize: 128 });
      const histograms: MeaningHistogram[][] = [];
      const exact = exactDynamicsOf(methodConfig);
      const fractions = () =>
        exact === undefined
          ? {}
          : stepFractions({
              task,
              baseHistograms,
              histograms,
              eta: exact.eta,
              ...(exact.gate ? { gate: exact.gate } : {}),
            });
      const evaluator = createMeaningEvaluator({
        task,
        sampler: evaluationSampler,
        samplesPerPrompt: config.evaluation.samplesPerPrompt,
        seed,
        stream: `${cell}/${name}`,
        baseline: baseHistograms,
        subsampleSize: Math.min(diversitySubsample, config.evaluation.samplesPerPrompt),
        onRecord: (r) => {
          histograms[r.iteration] = [...r.histograms];
        },
      });
      const judge = recordingOracle(task.trainingOracle);
      const result = await runSelfPlay(methodConfig, {
        policy,
        sampler,
        oracle: judge.oracle,
        trainPrompts: task.trainPrompts,
        evalPrompts: task.evalPrompts,
        encoder: task.encoder,
        evaluators: [evaluator],
        onProgress: (p) => hooks.onProgress?.(name, p),
        onIteration: (summary) => {
          const judged = judge.take();
          if (judged.length > 0) hooks.onJudged?.(name, summary.iteration, judged, task);
          hooks.onIteration?.(name, withStepFraction(summary, fractions()));
        },
        ...signal,
      });
      const final = fractions();
      return { name, iterations: result.iterations.map((r) => withStepFraction(r, final)), histograms };
    } finally {
      policy.dispose();
    }
  };

  const runs: Awaited<ReturnType<typeof runMethod>>[] = [];
  if (hooks.sequential) {
    for (const method of methods) runs.push(await runMethod(method));
  } else {
    // each run has its own policy, sampler, optimiser and random streams, so running them
    // interleaved gives the numbers of running them one after the other
    // wait for every run to end (and free its policy) before reporting the first failure
    const settled = await Promise.allSettled(methods.map(runMethod));
    for (const result of settled) {
      if (result.status === 'rejected') throw result.reason;
      runs.push(result.value);
    }
  }

  // 3. paired differences of the final win rates, against the same base sample
  const sppo = runs.find((r) => r.name === 'sppo');
  const last = (run: (typeof runs)[number]) => run.histograms[run.histograms.length - 1] ?? [];
  const comparisons: LabComparison[] =
    sppo === undefined
      ? []
      : runs
          .filter((r) => r !== sppo)
          .map((r) => ({
            first: r.name,
            second: sppo.name,
            seed,
            ...pairedWinRateDifference({ task, baseHistograms, first: last(r), second: last(sppo) }),
          }));
  return {
    methods: Object.fromEntries(runs.map((run) => [run.name, { iterations: run.iterations }])),
    seeds: [seed],
    config,
    cell,
    ideal,
    comparisons,
  };
}
