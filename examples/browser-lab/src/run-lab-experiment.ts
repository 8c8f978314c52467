import type { SampleV1 } from '@prefplay/core';
import { baselineWinRateEvaluator, poolExploitability, textStatisticsEvaluator } from '@prefplay/evaluators';
import { restorePolicy, type TransformerPolicy } from '@prefplay/policies';
import { createTokenSampler } from '@prefplay/samplers';
import {
  basePolicyOptionsSchema,
  createBasePolicy,
  createSyntheticTask,
  type SyntheticTask,
} from '@prefplay/synthetic';
import {
  type IterationSummary,
  mergeConfigLayers,
  type RunSummary,
  runSelfPlay,
  type SelfPlayConfig,
  selfPlayConfigFromPreset,
  type TrainerProgress,
} from '@prefplay/trainers';
import type { MainJobConfig, MainJobMethodEntry } from './main-job-config.js';
import { type JudgedBatch, recordingOracle } from './recording-oracle.js';

export type LabRunHooks = {
  readonly signal?: AbortSignal;
  /** Run the methods one after the other (as the CLI does) instead of side by side. */
  readonly sequential?: boolean;
  onTask?(task: SyntheticTask): void;
  onBaseStep?(step: number, steps: number, loss: number): void;
  onBaseReady?(seconds: number): void;
  onProgress?(method: string, progress: TrainerProgress): void;
  onIteration?(method: string, summary: IterationSummary): void;
  /** The judge's verdicts on what a method sampled in a training iteration. */
  onJudged?(method: string, iteration: number, batches: readonly JudgedBatch[], task: SyntheticTask): void;
  onExploitability?(done: number, total: number): void;
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
    evaluationSamplesPerPrompt: config.evaluation.samplesPerPrompt,
  };
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * The main job of `prefplay reproduce` for one seed, with what the CLI keeps in its run directory
 * handed to hooks instead: the task, the base policy by SFT, every method's self-play from that
 * same base (side by side unless `sequential`), evaluated each iteration on held-out prompts,
 * then exploitability of every (method, iteration) against the pool of all their samples under
 * the truth. Resolves to the run's summary (the shape of `summary.json`).
 */
export async function runLabExperiment(config: MainJobConfig, hooks: LabRunHooks = {}): Promise<RunSummary> {
  const seed = config.seeds[0];
  if (seed === undefined || config.seeds.length !== 1) {
    throw new Error(`the lab runs one seed at a time, got seeds [${config.seeds.join(', ')}]`);
  }
  const signal = hooks.signal ? { signal: hooks.signal } : {};
  const task = createSyntheticTask({ ...config.task, seed });
  hooks.onTask?.(task);
  const baseStart = now();
  const steps = config.base.steps;
  const totalSteps = steps ?? basePolicyOptionsSchema.parse({}).steps;
  const base = await createBasePolicy(task, {
    seed,
    ...(steps !== undefined ? { steps } : {}),
    onStep: (s) => hooks.onBaseStep?.(s.step + 1, totalSteps, s.loss),
    ...signal,
  });
  hooks.onBaseReady?.((now() - baseStart) / 1000);
  const baseState = base.doSaveState();
  base.dispose();

  const runMethod = async (entry: MainJobMethodEntry) => {
    const name = entry.method;
    const policy = restorePolicy(baseState) as TransformerPolicy;
    try {
      const sampler = createTokenSampler({
        decoder: policy,
        temperature: task.sampling.temperature,
        maxNewTokens: task.sampling.maxNewTokens,
        eosTokenId: task.sampling.eosTokenId,
        decode: (tokens) => task.responseText(tokens),
      });
      const judge = recordingOracle(task.trainingOracle);
      const result = await runSelfPlay(methodSelfPlayConfig(config, entry, seed), {
        policy,
        sampler,
        oracle: judge.oracle,
        trainPrompts: task.trainPrompts,
        evalPrompts: task.evalPrompts,
        encoder: task.encoder,
        evaluators: [
          baselineWinRateEvaluator(task.truePreference),
          textStatisticsEvaluator(task.sampling.eosTokenId),
          task.evaluator,
        ],
        onProgress: (p) => hooks.onProgress?.(name, p),
        onIteration: (summary) => {
          const judged = judge.take();
          if (judged.length > 0) hooks.onJudged?.(name, summary.iteration, judged, task);
          hooks.onIteration?.(name, summary);
        },
        ...signal,
      });
      return { name, iterations: result.iterations, evaluationSamples: result.evaluationSamples };
    } finally {
      policy.dispose();
    }
  };

  const runs: Awaited<ReturnType<typeof runMethod>>[] = [];
  if (hooks.sequential) {
    for (const entry of config.methods) runs.push(await runMethod(entry));
  } else {
    // each run has its own policy, sampler, optimiser and random streams, so running them
    // interleaved gives the numbers of running them one after the other
    // wait for every run to end (and free its policy) before reporting the first failure
    const settled = await Promise.allSettled(config.methods.map(runMethod));
    for (const result of settled) {
      if (result.status === 'rejected') throw result.reason;
      runs.push(result.value);
    }
  }

  const samplesByPolicy: Record<string, readonly (readonly SampleV1[])[]> = {};
  for (const run of runs) {
    run.evaluationSamples.forEach((samples, i) => {
      if (samples) samplesByPolicy[`${run.name}@${i}`] = samples;
    });
  }
  const pool = config.evaluation.exploitability
    ? await poolExploitability({
        oracle: task.truePreference,
        prompts: task.evalPrompts,
        samples: samplesByPolicy,
        ...(hooks.onExploitability ? { onPrompt: hooks.onExploitability } : {}),
        ...signal,
      })
    : undefined;
  const methods: RunSummary['methods'] = Object.fromEntries(
    runs.map((run) => [
      run.name,
      {
        iterations: run.iterations.map((r) =>
          pool
            ? {
                ...r,
                exploitability: pool.exploitability[`${run.name}@${r.iteration}`] ?? Number.NaN,
                poolSize: pool.meanPoolSize,
              }
            : { ...r },
        ),
      },
    ]),
  );
  return { methods, seeds: [seed], config };
}
