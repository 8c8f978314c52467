import {
  createRng,
  type EvaluatorV1,
  type LossV1,
  type PolicyV1,
  type PreferenceOracleV1,
  PrefplayError,
  type PromptV1,
  parseOptions,
  type Rng,
  type SamplerV1,
  type SampleV1,
  type SemanticEncoderV1,
} from '@prefplay/core';
import { dpoLoss, ipoLoss, sppoLoss, sSppoLoss } from '@prefplay/losses';
import { type Gate, linearRampGate } from '@prefplay/preference';
import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { createOptimizer, optimizerNameSchema } from './create-optimizer.js';
import { describeDistribution, distributionMetrics } from './distribution.js';
import { renderReportHtml } from './report-html.js';
import { type MetricsRecord, openRunDirectory, type RunDirectory } from './run-directory.js';
import type { IterationSummary, RunSummary } from './run-summary.js';
import { selfPlayTargets, upperTriangle } from './self-play-targets.js';
import { type PairwiseRow, scoreResponses, trainStep } from './train-step.js';
import {
  loadLatestTrainerCheckpoint,
  saveTrainerCheckpoint,
  type TrainerEvent,
  type TrainerState,
} from './trainer-checkpoint.js';

export const selfPlayMethods = ['sppo', 's-sppo', 'iterative-dpo', 'iterative-ipo'] as const;
export type SelfPlayMethod = (typeof selfPlayMethods)[number];

const unit = z.number().min(0).max(1);

export const selfPlayConfigSchema = z
  .object({
    method: z.enum(selfPlayMethods),
    /** Self-play iterations T (each: sample, judge, train, evaluate, checkpoint). */
    iterations: z.number().int().min(1).max(10_000),
    /** K, responses sampled per training prompt. */
    samplesPerPrompt: z.number().int().min(2).max(256).default(4),
    /** Passes over the iteration's training rows. */
    epochs: z.number().int().min(1).max(1000).default(1),
    /** Rows (prompts) per minibatch. */
    batchSize: z.number().int().min(1).max(4096).default(8),
    learningRate: z.number().positive().max(10).default(1e-3),
    optimizer: optimizerNameSchema.default('adam'),
    seed: z.number().int().default(0),
    /** Include `M_ii = 1/2` in the win rates `p̂_i` (official SPPO). */
    includeSelf: z.boolean().default(true),
    sppo: z
      .object({
        convention: z.enum(['two-sided', 'single', 'hard', 'all', 'soft-mean']).default('two-sided'),
        eta: z.number().positive().default(1),
        beta: z.number().positive().optional(),
        baseline: z.enum(['prompt', 'batch']).optional(),
      })
      .default({ convention: 'two-sided', eta: 1 }),
    gate: z
      .object({
        /** Defaults to on for `s-sppo`, off otherwise. */
        enabled: z.boolean().optional(),
        low: unit.default(0.5),
        high: unit.default(0.95),
      })
      .refine((g) => g.low < g.high, { message: 'gate.low must be below gate.high', path: ['high'] })
      .default({ low: 0.5, high: 0.95 }),
    repulsion: z
      .object({
        /** Defaults to on for `s-sppo`, off otherwise. */
        enabled: z.boolean().optional(),
        lambda: z.number().min(0).default(0.1),
        margin: z.number().positive().default(1),
        form: z.enum(['squared-hinge', 'hinge', 'negative-distance']).default('squared-hinge'),
      })
      .default({ lambda: 0.1, margin: 1, form: 'squared-hinge' }),
    dpo: z.object({ beta: z.number().positive().default(0.1) }).default({ beta: 0.1 }),
    ipo: z
      .object({ beta: z.number().positive().default(0.1), perToken: z.boolean().default(false) })
      .default({ beta: 0.1, perToken: false }),
    /** Consecutive non-finite steps tolerated before the run stops with a `numerical` error. */
    maxNonFiniteSteps: z.number().int().min(0).default(3),
    /** Evaluate the starting policy as iteration 0. */
    evaluateInitial: z.boolean().default(true),
    /** Samples per held-out prompt for evaluation. */
    evaluationSamplesPerPrompt: z.number().int().min(1).max(256).default(4),
    /** Rows per forward pass when scoring without gradients. */
    scoreBatchSize: z.number().int().min(1).default(32),
  })
  .strict();

export type SelfPlayConfig = z.input<typeof selfPlayConfigSchema>;
export type ResolvedSelfPlayConfig = z.output<typeof selfPlayConfigSchema>;

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
  /** Semantic encoder for `s_ij`; needed when the gate is on, optional otherwise. */
  readonly encoder?: SemanticEncoderV1;
  /** Replaces the linear-ramp gate built from `config.gate`. */
  readonly gate?: Gate;
  /** Replaces the loss built from the method's config. */
  readonly loss?: LossV1;
  readonly evaluators?: readonly EvaluatorV1[];
  /** Baseline samples on `evalPrompts` (defaults to the samples of iteration 0). */
  readonly baselineSamples?: readonly (readonly SampleV1[])[];
  /** Directory for config, metrics, checkpoints, summary and report. */
  readonly runDirectory?: string;
  /** Continue from the newest checkpoint in `runDirectory`. */
  readonly resume?: boolean;
  readonly onProgress?: (progress: TrainerProgress) => void;
  readonly onEvent?: (event: TrainerEvent) => void;
  /** Called after each iteration with its summary. */
  readonly onIteration?: (summary: IterationSummary) => void;
  readonly signal?: AbortSignal;
};

export type SelfPlayResult = {
  readonly method: string;
  readonly config: ResolvedSelfPlayConfig;
  readonly iterations: readonly IterationSummary[];
  readonly events: readonly TrainerEvent[];
  /** Held-out samples of each evaluated iteration, `[iteration][prompt][k]`. */
  readonly evaluationSamples: readonly (readonly (readonly SampleV1[])[])[];
  /** The summary written to `summary.json`. */
  readonly summary: RunSummary;
};

/** Whether the gate and the repulsion term are on, after the method's defaults. */
export function resolveCalibration(config: ResolvedSelfPlayConfig): { gate: boolean; repulsion: boolean } {
  const isS = config.method === 's-sppo';
  return { gate: config.gate.enabled ?? isS, repulsion: config.repulsion.enabled ?? isS };
}

/** The loss a self-play config trains with. */
export function selfPlayLoss(config: ResolvedSelfPlayConfig): LossV1 {
  const sppo = {
    convention: config.sppo.convention,
    eta: config.sppo.eta,
    ...(config.sppo.beta !== undefined ? { beta: config.sppo.beta } : {}),
    ...(config.sppo.baseline !== undefined ? { baseline: config.sppo.baseline } : {}),
  };
  switch (config.method) {
    case 'sppo':
      return sppoLoss(sppo);
    case 's-sppo':
      return resolveCalibration(config).repulsion
        ? sSppoLoss({
            sppo,
            repulsion: { margin: config.repulsion.margin, form: config.repulsion.form },
            lambda: config.repulsion.lambda,
          })
        : sppoLoss(sppo);
    case 'iterative-dpo':
      return dpoLoss({ beta: config.dpo.beta });
    case 'iterative-ipo':
      return ipoLoss({ beta: config.ipo.beta, perToken: config.ipo.perToken });
  }
}

function seedOf(rng: Rng): number {
  return rng.int(2 ** 31 - 1);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

function sameConfig(a: unknown, b: unknown): boolean {
  const strip = (c: unknown) => JSON.stringify({ ...(c as Record<string, unknown>), iterations: 0 });
  return strip(a) === strip(b);
}

/**
 * Iterative self-play preference optimisation (SPPO, S-SPPO, iterative DPO / IPO).
 *
 * Each iteration t: snapshot `π_t` as the frozen reference; sample K responses per training prompt
 * from the policy; judge them into a K×K matrix per prompt (checked constant-sum); optionally
 * calibrate it with the semantic gate; take win-rate targets, chosen and rejected; score them once
 * under `π_t`; train `epochs` passes of minibatches; evaluate; checkpoint. All randomness comes from
 * `createRng(seed)` forked per (iteration, purpose), and each iteration starts a fresh optimiser,
 * so resuming from a checkpoint reproduces an uninterrupted run.
 */
export async function runSelfPlay(config: SelfPlayConfig, deps: SelfPlayDeps): Promise<SelfPlayResult> {
  const resolved = parseOptions(selfPlayConfigSchema, config, { what: 'self-play config', code: 'invalid-config' });
  const { policy, sampler, oracle } = deps;
  const calibration = resolveCalibration(resolved);
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
      problem: `the semantic gate of ${resolved.method} needs a semantic encoder`,
      where: { field: 'gate.enabled' },
      hint: 'Pass deps.encoder (e.g. tfidfEncoder() or policyHiddenEncoder(policy)) or set gate.enabled to false',
    });
  }
  const gate = calibration.gate
    ? (deps.gate ?? linearRampGate({ low: resolved.gate.low, high: resolved.gate.high }))
    : undefined;
  const loss = deps.loss ?? selfPlayLoss(resolved);
  const method = resolved.method;
  const root = createRng(resolved.seed);
  const evalPrompts = deps.evalPrompts ?? [];

  let directory: RunDirectory | undefined;
  let iterations: IterationSummary[] = [];
  let events: TrainerEvent[] = [];
  let evaluationSamples: (readonly (readonly SampleV1[])[])[] = [];
  let start = 1;
  let initialDone = false;
  if (deps.runDirectory !== undefined) {
    directory = await openRunDirectory(deps.runDirectory);
    const previous = deps.resume ? await loadLatestTrainerCheckpoint(directory.checkpointsPath, policy) : undefined;
    if (previous !== undefined) {
      if (previous.method !== method || !sameConfig(previous.config, resolved)) {
        throw new PrefplayError({
          code: 'invalid-config',
          problem: `the run in ${deps.runDirectory} was started with a different config`,
          where: { file: `${deps.runDirectory}/config.json` },
          hint: 'Resume with the same config (only iterations may grow) or use a new run directory',
        });
      }
      iterations = previous.iterations.slice();
      events = previous.events.slice();
      evaluationSamples = previous.evaluationSamples.slice();
      start = previous.iteration + 1;
      initialDone = true;
      await directory.truncateMetrics(previous.iteration);
    } else {
      await directory.truncateMetrics(-1);
    }
    await directory.writeConfig(resolved);
  }

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
      seed: seedOf(root.fork('evaluation')),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    evaluationSamples[iteration] = samples;
    if (baselineSamples === undefined) baselineSamples = samples;
    const out: Record<string, number> = {};
    for (const evaluator of deps.evaluators ?? []) {
      const result = await evaluator.doEvaluate({
        iteration,
        prompts: evalPrompts,
        samples,
        baselineSamples,
        policy,
        ...(reference ? { reference } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
      Object.assign(out, result);
    }
    progress('evaluate', iteration, 1, 1);
    return out;
  };

  const finish = async (iteration: number, summary: IterationSummary, extra: MetricsRecord[]) => {
    iterations[iteration] = summary;
    deps.onIteration?.(summary);
    if (directory !== undefined) {
      await directory.appendMetrics([...extra, { kind: 'iteration', method, ...summary }]);
      progress('checkpoint', iteration, 0, 1);
      const state: TrainerState = {
        formatVersion: 1,
        method,
        iteration,
        rngState: root.state(),
        config: resolved,
        iterations,
        events,
        evaluationSamples,
      };
      await saveTrainerCheckpoint(directory.checkpointsPath, policy, state);
      progress('checkpoint', iteration, 1, 1);
    }
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
      // 1. sample K responses per training prompt from π_t
      progress('sample', t, 0, 1);
      const samples = await sampler.doSample({
        prompts: deps.trainPrompts,
        samplesPerPrompt: resolved.samplesPerPrompt,
        seed: seedOf(rng.fork('sample')),
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
      progress('sample', t, 1, 1);
      // 2. judge, calibrate, targets
      const similarities: number[] = [];
      const gateValues: number[] = [];
      const pairPreferences: number[] = [];
      const targets = [];
      for (let p = 0; p < deps.trainPrompts.length; p++) {
        checkAbort();
        const prompt = deps.trainPrompts[p] as PromptV1;
        const responses = samples[p] ?? [];
        if (responses.length !== resolved.samplesPerPrompt) {
          throw new PrefplayError({
            code: 'invalid-input',
            problem: `sampler ${sampler.samplerId} returned ${responses.length} responses for prompt ${prompt.id}, expected ${resolved.samplesPerPrompt}`,
          });
        }
        const matrix = await oracle.doCompare({
          prompt,
          responses,
          ...(deps.signal ? { signal: deps.signal } : {}),
        });
        const embeddings =
          deps.encoder !== undefined
            ? await deps.encoder.doEncode({ responses, prompt, ...(deps.signal ? { signal: deps.signal } : {}) })
            : undefined;
        const target = selfPlayTargets({
          matrix,
          ...(embeddings ? { embeddings } : {}),
          ...(gate ? { gate } : {}),
          includeSelf: resolved.includeSelf,
          where: `oracle ${oracle.oracleId}, prompt ${prompt.id}`,
        });
        if (target.similarity) similarities.push(...upperTriangle(target.similarity));
        if (target.gateValues) gateValues.push(...upperTriangle(target.gateValues));
        pairPreferences.push(target.pairPreference);
        targets.push({ prompt, responses, target });
        progress('judge', t, p + 1, deps.trainPrompts.length);
      }
      // 3. reference log-probs under π_t, once
      const perResponse = loss.requires.some((f) => f === 'policyLogps' || f === 'referenceLogps' || f === 'winRates');
      const chosenTokens = targets.map((e) => (e.responses[e.target.chosen] as SampleV1).tokens);
      const rejectedTokens = targets.map((e) => (e.responses[e.target.rejected] as SampleV1).tokens);
      const promptTokens = targets.map((e) => e.prompt.tokens);
      const referencePairs = scoreResponses(
        reference,
        [...promptTokens, ...promptTokens],
        [...chosenTokens, ...rejectedTokens],
        {
          batchSize: resolved.scoreBatchSize,
        },
      ).logps;
      const referenceAll = perResponse
        ? scoreResponses(
            reference,
            targets.flatMap((e) => e.responses.map(() => e.prompt.tokens)),
            targets.flatMap((e) => e.responses.map((r) => r.tokens)),
            { batchSize: resolved.scoreBatchSize },
          ).logps
        : [];
      const n = targets.length;
      const k = resolved.samplesPerPrompt;
      const rows: PairwiseRow[] = targets.map((e, i) => ({
        prompt: e.prompt.tokens,
        chosen: chosenTokens[i] as readonly number[],
        rejected: rejectedTokens[i] as readonly number[],
        referenceChosenLogp: referencePairs[i] as number,
        referenceRejectedLogp: referencePairs[n + i] as number,
        chosenWinRate: e.target.chosenWinRate,
        rejectedWinRate: e.target.rejectedWinRate,
        pairPreference: e.target.pairPreference,
        ...(perResponse
          ? {
              responses: e.responses.map((r) => r.tokens),
              referenceLogps: referenceAll.slice(i * k, (i + 1) * k),
              winRates: e.target.winRates,
            }
          : {}),
      }));
      // 4. E epochs of minibatches
      const stepRecords: MetricsRecord[] = [];
      const losses: number[] = [];
      const stepsPerEpoch = Math.ceil(n / resolved.batchSize);
      const totalSteps = stepsPerEpoch * resolved.epochs;
      let optimizer: tf.Optimizer = createOptimizer(resolved.optimizer, resolved.learningRate);
      let consecutiveBad = 0;
      let step = 0;
      try {
        for (let epoch = 0; epoch < resolved.epochs; epoch++) {
          const order = rng.fork(`epoch-${epoch}`).shuffle(rows.map((_, i) => i));
          for (let b = 0; b < stepsPerEpoch; b++) {
            checkAbort();
            const batchRows = order
              .slice(b * resolved.batchSize, (b + 1) * resolved.batchSize)
              .map((i) => rows[i] as PairwiseRow);
            const result = trainStep({ policy, optimizer, loss, rows: batchRows });
            step += 1;
            if (result.status === 'ok') {
              consecutiveBad = 0;
              losses.push(result.loss);
              stepRecords.push({
                kind: 'step',
                method,
                iteration: t,
                epoch,
                step,
                learning_rate: resolved.learningRate,
                ...result.metrics,
              });
            } else {
              const event: TrainerEvent = { type: result.status, iteration: t, epoch, step, loss: result.loss };
              events.push(event);
              deps.onEvent?.(event);
              stepRecords.push({ kind: 'event', method, ...event });
              optimizer.dispose();
              optimizer = createOptimizer(resolved.optimizer, resolved.learningRate);
              consecutiveBad += 1;
              if (consecutiveBad > resolved.maxNonFiniteSteps) {
                if (directory !== undefined) await directory.appendMetrics(stepRecords);
                throw new PrefplayError({
                  code: 'numerical',
                  problem: `${consecutiveBad} consecutive training steps of ${method} gave a non-finite loss or weights (last loss ${result.loss}, iteration ${t}, epoch ${epoch}, step ${step}); the weights were kept at their last finite values`,
                  hint: 'Lower the learning rate, eta or beta, or check the oracle and reference log-probs for extreme values',
                });
              }
            }
            progress('train', t, step, totalSteps);
          }
        }
      } finally {
        optimizer.dispose();
      }
      // 5. what training did to chosen and rejected, relative to π_t
      const after = scoreResponses(policy, [...promptTokens, ...promptTokens], [...chosenTokens, ...rejectedTokens], {
        batchSize: resolved.scoreBatchSize,
        hidden: true,
      });
      const chosenChange = chosenTokens.map((_, i) => (after.logps[i] as number) - (referencePairs[i] as number));
      const rejectedChange = rejectedTokens.map(
        (_, i) => (after.logps[n + i] as number) - (referencePairs[n + i] as number),
      );
      const distances = after.hidden
        ? chosenTokens.map((_, i) => {
            const a = after.hidden?.[i] as number[];
            const c = after.hidden?.[n + i] as number[];
            return Math.sqrt(a.reduce((s, v, j) => s + (v - (c[j] as number)) ** 2, 0));
          })
        : [];
      const trainMetrics: Record<string, number> = {
        'train/loss': mean(losses),
        'train/steps': losses.length,
        'logps/chosen_change': mean(chosenChange),
        'logps/rejected_change': mean(rejectedChange),
        ...distributionMetrics('targets/pair_preference', describeDistribution(pairPreferences)),
        ...(similarities.length > 0 ? distributionMetrics('similarity', describeDistribution(similarities)) : {}),
        ...(gateValues.length > 0 ? distributionMetrics('gate', describeDistribution(gateValues)) : {}),
        ...(distances.length > 0 ? distributionMetrics('latent_distance', describeDistribution(distances)) : {}),
      };
      // 6. evaluate and checkpoint
      const evaluation = await evaluate(t, reference);
      await finish(t, { ...trainMetrics, ...evaluation, iteration: t }, stepRecords);
    } finally {
      reference.dispose();
    }
  }

  const compact = iterations.filter((s): s is IterationSummary => s !== undefined);
  const summary: RunSummary = {
    methods: { [method]: { iterations: compact } },
    seeds: [resolved.seed],
    config: resolved,
  };
  if (directory !== undefined) {
    await directory.writeJson('summary.json', summary);
    await directory.writeText('report.html', renderReportHtml(summary));
  }
  return { method, config: resolved, iterations: compact, events, evaluationSamples, summary };
}
