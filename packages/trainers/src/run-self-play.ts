import {
  type ComponentContextV1,
  type EvaluatorV1,
  type LossBatchExtensionV1,
  type LossV1,
  type PolicyV1,
  type PreferenceOracleV1,
  PrefplayError,
  type PromptV1,
  parseOptions,
  prefixErrorField,
  type Rng,
  type SamplerV1,
  type SampleV1,
  type SemanticEncoderV1,
} from '@prefplay/core';
import { addLossTerms, defaultLossRegistry, repulsionLoss } from '@prefplay/losses';
import { type Gate, linearRampGate } from '@prefplay/preference';
import { describeDistribution, distributionMetrics } from './distribution.js';
import { runMinibatchLoop } from './minibatch-loop.js';
import { startOrResumeRun } from './resume-run.js';
import type { MetricsRecord, RunStore } from './run-store.js';
import type { IterationSummary, RunSummary } from './run-summary.js';
import {
  type ResolvedSelfPlayConfig,
  resolveCalibration,
  type SelfPlayConfig,
  selfPlayConfigSchema,
  selfPlayRunName,
} from './self-play-config.js';
import { collectSelfPlayIteration } from './self-play-iteration.js';
import { scoreResponses } from './train-step.js';
import { encodeTrainerCheckpoint, type TrainerEvent, type TrainerState } from './trainer-checkpoint.js';

/** Builds a loss from `{ name, options }`; `defaultLossRegistry` and `createLossRegistry(...)` are ones. */
export type LossResolver = {
  createFromConfig(name: string, options?: unknown, context?: ComponentContextV1): LossV1;
};

/** Progress of a run, for progress bars. */
export type TrainerProgress = {
  readonly phase: 'sample' | 'judge' | 'train' | 'evaluate' | 'checkpoint';
  readonly iteration: number;
  readonly iterations: number;
  readonly done: number;
  readonly total: number;
};

export type SelfPlayDeps = {
  /** The policy trained in place. */
  readonly policy: PolicyV1;
  /** Draws responses from `policy` (built over it, so it follows its weights). */
  readonly sampler: SamplerV1;
  readonly oracle: PreferenceOracleV1;
  readonly trainPrompts: readonly PromptV1[];
  /** Held-out prompts for the evaluators. */
  readonly evalPrompts?: readonly PromptV1[];
  /** Semantic encoder for `s_ij`; needed when calibration is on. */
  readonly encoder?: SemanticEncoderV1;
  /** Replaces the linear-ramp gate built from `config.calibration.gate`. */
  readonly gate?: Gate;
  /** Where `config.loss.name` is looked up (default `defaultLossRegistry`). */
  readonly losses?: LossResolver;
  /** Batch extensions the loss may ask for by name (`LossV1.requiresExtensions`). */
  readonly extensions?: Readonly<Record<string, LossBatchExtensionV1>>;
  readonly evaluators?: readonly EvaluatorV1[];
  /** Baseline samples on `evalPrompts` (defaults to the samples of iteration 0). */
  readonly baselineSamples?: readonly (readonly SampleV1[])[];
  /** Where config, metrics, checkpoints and the summary go (e.g. `openRunDirectory(path)`). */
  readonly store?: RunStore;
  /** Continue from the newest checkpoint in `store`. */
  readonly resume?: boolean;
  /** Environment handed to loss factories (`ComponentContextV1.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly onProgress?: (progress: TrainerProgress) => void;
  readonly onEvent?: (event: TrainerEvent) => void;
  /** Called after each iteration with its summary. */
  readonly onIteration?: (summary: IterationSummary) => void;
  readonly signal?: AbortSignal;
  /** Clock of the metrics records' `time` (replaceable in tests). */
  readonly now?: () => Date;
};

export type SelfPlayResult = {
  /** The run's label (`selfPlayRunName`). */
  readonly run: string;
  readonly config: ResolvedSelfPlayConfig;
  readonly iterations: readonly IterationSummary[];
  readonly events: readonly TrainerEvent[];
  /** Held-out samples of each evaluated iteration, `[iteration][prompt][k]`. */
  readonly evaluationSamples: readonly (readonly (readonly SampleV1[])[])[];
  /** The summary written to `summary.json`. */
  readonly summary: RunSummary;
};

/** The loss a self-play config trains with: the named loss, plus λ·repulsion when repulsion is on. */
export function buildSelfPlayLoss(
  config: ResolvedSelfPlayConfig,
  losses: LossResolver = defaultLossRegistry,
  env: Readonly<Record<string, string | undefined>> = {},
): LossV1 {
  let base: LossV1;
  try {
    base = losses.createFromConfig(config.loss.name, config.loss.options, { where: 'loss', env });
  } catch (error) {
    throw prefixErrorField(error, config.loss.options === undefined ? ['loss'] : ['loss', 'options']);
  }
  const repulsion = config.repulsion;
  if (repulsion?.enabled !== true) return base;
  return addLossTerms(
    base,
    [{ loss: repulsionLoss({ margin: repulsion.margin, form: repulsion.form }), weight: repulsion.lambda }],
    `${base.lossId}+repulsion`,
  );
}

function seedOf(rng: Rng): number {
  return rng.int(2 ** 31 - 1);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

/**
 * Iterative self-play preference optimisation (SPPO, S-SPPO, iterative DPO / IPO, or any
 * registered loss).
 *
 * Each iteration t: snapshot `π_t` as the frozen reference; collect the iteration's data
 * (`collectSelfPlayIteration`: sample, judge, calibrate, targets, reference log-probs); train
 * `epochs` passes of minibatches (`runMinibatchLoop`); evaluate on held-out prompts with a seed
 * of the iteration's own; checkpoint into the store. All randomness comes from `createRng(seed)`
 * forked per (iteration, purpose), and each iteration starts a fresh optimiser, so a resumed run
 * ends identical to an uninterrupted one.
 */
export async function runSelfPlay(config: SelfPlayConfig, deps: SelfPlayDeps): Promise<SelfPlayResult> {
  const resolved = parseOptions(selfPlayConfigSchema, config, { what: 'self-play config', code: 'invalid-config' });
  const { policy, sampler, oracle, store } = deps;
  const calibration = resolveCalibration(resolved);
  const run = selfPlayRunName(resolved);
  const now = deps.now ?? (() => new Date());
  if (deps.trainPrompts.length === 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'runSelfPlay needs at least one training prompt',
      where: { field: 'trainPrompts' },
    });
  }
  if (calibration.gate && deps.encoder === undefined) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `the semantic gate of ${run} needs a semantic encoder`,
      where: { field: 'calibration' },
      hint: 'Pass deps.encoder (e.g. tfidfEncoder() or policyHiddenEncoder(policy)) or disable calibration',
    });
  }
  const gate = calibration.gate ? (deps.gate ?? linearRampGate(resolved.calibration?.gate)) : undefined;
  const loss = buildSelfPlayLoss(resolved, deps.losses, deps.env);
  const evalPrompts = deps.evalPrompts ?? [];
  const signal = deps.signal ? { signal: deps.signal } : {};

  const opened = await startOrResumeRun({ store, policy, config: resolved, run, resume: deps.resume === true });
  const { root } = opened;
  const iterations = opened.iterations.slice();
  const events = opened.events.slice();
  const evaluationSamples = opened.evaluationSamples.slice();
  const start = opened.start;
  let step = opened.step;
  const initialDone = opened.initialDone;

  const progress = (phase: TrainerProgress['phase'], iteration: number, done: number, total: number) =>
    deps.onProgress?.({ phase, iteration, iterations: resolved.iterations, done, total });
  const checkAbort = () => {
    if (deps.signal?.aborted) throw deps.signal.reason ?? new Error('aborted');
  };

  let baselineSamples = deps.baselineSamples ?? evaluationSamples[0];
  const evaluate = async (iteration: number, reference: PolicyV1 | undefined): Promise<Record<string, number>> => {
    if (evalPrompts.length === 0) return {};
    progress('evaluate', iteration, 0, 1);
    const samples = await sampler.doSample({
      prompts: evalPrompts,
      samplesPerPrompt: resolved.evaluationSamplesPerPrompt,
      seed: seedOf(root.fork(`evaluation-${iteration}`)),
      ...signal,
    });
    evaluationSamples[iteration] = samples;
    if (baselineSamples === undefined) baselineSamples = samples;
    const out: Record<string, number> = {};
    const evaluatorSeed = seedOf(root.fork(`evaluators-${iteration}`));
    for (const evaluator of deps.evaluators ?? []) {
      const result = await evaluator.doEvaluate({
        iteration,
        prompts: evalPrompts,
        samples,
        baselineSamples,
        policy,
        seed: evaluatorSeed,
        ...(reference ? { reference } : {}),
        ...signal,
      });
      Object.assign(out, result);
    }
    progress('evaluate', iteration, 1, 1);
    return out;
  };

  const finish = async (iteration: number, summary: IterationSummary, records: MetricsRecord[]) => {
    iterations[iteration] = summary;
    deps.onIteration?.(summary);
    if (store === undefined) return;
    await store.appendMetrics([
      ...records,
      { kind: 'iteration', run, iteration, step, time: now().toISOString(), metrics: summary },
    ]);
    progress('checkpoint', iteration, 0, 1);
    const state: TrainerState = {
      formatVersion: 2,
      run,
      iteration,
      step,
      rngState: root.state(),
      config: resolved,
      iterations,
      events,
      evaluationSamples,
    };
    await store.saveCheckpoint(iteration, encodeTrainerCheckpoint(policy, state));
    progress('checkpoint', iteration, 1, 1);
  };

  if (resolved.evaluateInitial && !initialDone) {
    const metrics = await evaluate(0, undefined);
    await finish(0, { ...metrics, iteration: 0 }, []);
  }

  for (let t = start; t <= resolved.iterations; t++) {
    checkAbort();
    const rng = root.fork(`iteration-${t}`);
    const reference = policy.doSnapshot();
    try {
      const data = await collectSelfPlayIteration({
        reference,
        sampler,
        oracle,
        ...(deps.encoder ? { encoder: deps.encoder } : {}),
        ...(gate ? { gate } : {}),
        loss,
        prompts: deps.trainPrompts,
        samplesPerPrompt: resolved.samplesPerPrompt,
        includeSelf: resolved.includeSelf,
        seed: seedOf(rng.fork('sample')),
        scoreBatchSize: resolved.scoreBatchSize,
        ...signal,
        onProgress: (phase, done, total) => progress(phase, t, done, total),
      });
      const records: MetricsRecord[] = [];
      let trained: ReturnType<typeof runMinibatchLoop>;
      try {
        trained = runMinibatchLoop({
          policy,
          loss,
          rows: data.rows,
          ...(deps.extensions ? { extensions: deps.extensions } : {}),
          epochs: resolved.epochs,
          batchSize: resolved.batchSize,
          optimizer: resolved.optimizer,
          learningRate: resolved.learningRate,
          ...(resolved.maxGradNorm !== undefined ? { maxGradNorm: resolved.maxGradNorm } : {}),
          rng,
          maxNonFiniteSteps: resolved.maxNonFiniteSteps,
          run,
          iteration: t,
          startStep: step,
          onRecord: (r) => records.push(r),
          onEvent: (e) => {
            events.push(e);
            deps.onEvent?.(e);
          },
          onProgress: (done, total) => progress('train', t, done, total),
          checkAbort,
          now,
        });
      } catch (error) {
        if (store !== undefined) await store.appendMetrics(records);
        throw error;
      }
      step = trained.step;
      // what training did to chosen and rejected, relative to π_t
      const n = data.rows.length;
      const promptTokens = data.rows.map((r) => r.prompt);
      const after = scoreResponses(
        policy,
        [...promptTokens, ...promptTokens],
        [...data.rows.map((r) => r.chosen), ...data.rows.map((r) => r.rejected)],
        { batchSize: resolved.scoreBatchSize, hidden: true },
      );
      const chosenChange = data.rows.map((r, i) => (after.logps[i] as number) - r.referenceChosenLogp);
      const rejectedChange = data.rows.map((r, i) => (after.logps[n + i] as number) - r.referenceRejectedLogp);
      const distances = after.hidden
        ? data.rows.map((_, i) => {
            const a = after.hidden?.[i] as number[];
            const c = after.hidden?.[n + i] as number[];
            return Math.sqrt(a.reduce((s, v, j) => s + (v - (c[j] as number)) ** 2, 0));
          })
        : [];
      const trainMetrics: Record<string, number> = {
        'train/loss': mean(trained.losses),
        'train/steps': trained.losses.length,
        'logps/chosen_change': mean(chosenChange),
        'logps/rejected_change': mean(rejectedChange),
        ...distributionMetrics('targets/pair_preference', describeDistribution(data.pairPreferences)),
        ...(data.similarities.length > 0
          ? distributionMetrics('similarity', describeDistribution(data.similarities))
          : {}),
        ...(data.gateValues.length > 0 ? distributionMetrics('gate', describeDistribution(data.gateValues)) : {}),
        ...(distances.length > 0 ? distributionMetrics('latent_distance', describeDistribution(distances)) : {}),
      };
      const evaluation = await evaluate(t, reference);
      await finish(t, { ...trainMetrics, ...evaluation, iteration: t }, records);
    } finally {
      reference.dispose();
    }
  }

  const compact = iterations.filter((s): s is IterationSummary => s !== undefined);
  const summary: RunSummary = { methods: { [run]: { iterations: compact } }, seeds: [resolved.seed], config: resolved };
  if (store !== undefined) await store.writeJson('summary.json', summary);
  return { run, config: resolved, iterations: compact, events, evaluationSamples, summary };
}
