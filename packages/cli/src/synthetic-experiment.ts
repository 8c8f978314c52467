import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng, type PromptV1, type SampleV1, type SemanticEncoderV1 } from '@prefplay/core';
import { sameLabelAgreement } from '@prefplay/evaluators';
import { restorePolicy, type TransformerPolicy } from '@prefplay/policies';
import { linearRampGate } from '@prefplay/preference';
import { createTokenSampler } from '@prefplay/samplers';
import {
  basePolicyOptionsSchema,
  type ContrastiveEncoder,
  contrastiveEncoderOptionsSchema,
  createBasePolicy,
  createMeaningEvaluator,
  createNoisyMeaningEncoder,
  createSyntheticTask,
  type MeaningHistogram,
  meaningHistogram,
  type SyntheticTask,
  syntheticTaskOptionsSchema,
  trainContrastiveEncoder,
} from '@prefplay/synthetic';
import {
  type IterationSummary,
  openRunDirectory,
  policyHiddenEncoder,
  type ResolvedSelfPlayConfig,
  resolveCalibration,
  runSelfPlay,
  type SelfPlayConfig,
  selfPlayConfigSchema,
  selfPlayMethods,
  tfidfEncoder,
} from '@prefplay/trainers';
import { z } from 'zod';
import type { CliIo } from './command.js';
import {
  analyseExperiment,
  type CellSpec,
  type ExperimentAnalysis,
  type IdealSpec,
  idealCurves,
  type RunRecord,
  stepFractions,
} from './experiment-analysis.js';
import { formatExperimentText, renderExperimentReport } from './experiment-report.js';
import { createProgressBar } from './progress-bar.js';

const nestedKeys = ['sppo', 'gate', 'repulsion', 'dpo', 'ipo'] as const;

/** The semantic encoder of a method's gate. */
const encoderSpecSchema = z.union([
  /** the task's meaning encoder, char-trigram TF-IDF, the policy's hidden states, a contrastive encoder with its defaults */
  z.enum(['task', 'tfidf', 'policy-hidden', 'contrastive']),
  /** the task's encoder misreading a share `errorRate` of responses */
  z
    .object({
      noisy: z.object({ errorRate: z.number().min(0).max(1), seed: z.number().int().min(0).default(0) }).strict(),
    })
    .strict(),
  /** a contrastive encoder trained on the SFT corpus's paraphrases with these options */
  z.object({ contrastive: contrastiveEncoderOptionsSchema }).strict(),
]);

export type EncoderSpec = z.output<typeof encoderSpecSchema>;

/** Method entry: a label, an optional encoder, plus self-play config fields that override `trainer`. */
const methodEntrySchema = z
  .object({
    /** Label in tables and plots (default: the method, unique). */
    name: z.string().min(1).optional(),
    method: z.enum(selfPlayMethods),
    /** Semantic encoder of this method's gate (default: the experiment's `encoder`). */
    encoder: encoderSpecSchema.optional(),
  })
  .catchall(z.unknown());

/** A task option, or a list of values: the experiment runs every combination of the lists (a factorial). */
const factor = <T extends z.ZodType>(schema: T) => z.union([schema, z.array(schema).min(1)]);

/** `prefplay train` / `prefplay reproduce` experiment on the embedded synthetic task. */
export const experimentConfigSchema = z
  .object({
    /** Seeds; each gets its own task split, base policy, base sample and runs. */
    seeds: z.array(z.number().int().min(0).max(0xffffffff)).min(1).default([1]),
    /** Options of `createSyntheticTask` (absent: its defaults); a list makes the option a factor. */
    task: z
      .object({
        overconfidence: factor(syntheticTaskOptionsSchema.shape.overconfidence.removeDefault()).optional(),
        concision: factor(syntheticTaskOptionsSchema.shape.concision.removeDefault()).optional(),
        dominantClaimShare: factor(syntheticTaskOptionsSchema.shape.dominantClaimShare.removeDefault()).optional(),
        sftResponsesPerPrompt: z.number().int().min(1).max(10_000).optional(),
        maxNewTokens: z.number().int().min(7).max(64).optional(),
        temperature: z.number().positive().max(10).optional(),
      })
      .strict()
      .prefault({}),
    /** Supervised fine-tuning of the shared base policy. */
    base: z
      .object({
        /** Defaults of `createBasePolicy` when absent. */
        steps: z.number().int().min(1).max(100_000).optional(),
        batchSize: z.number().int().min(1).max(1024).optional(),
        learningRate: z.number().positive().max(1).optional(),
      })
      .strict()
      .prefault({}),
    /** Semantic encoder of the gate for methods that do not name one. */
    encoder: encoderSpecSchema.default('task'),
    /** Self-play settings shared by every method (any field of the self-play config but `method`). */
    trainer: z.record(z.string(), z.unknown()).default({}),
    methods: z.array(methodEntrySchema).min(1),
    evaluation: z
      .object({
        /** Samples per held-out prompt drawn by every run at every iteration, each with its own seed. */
        samplesPerPrompt: z.number().int().min(2).max(4096).default(128),
        /** Samples per held-out prompt of the base policy, drawn once per seed and shared by all runs. */
        baseSamplesPerPrompt: z.number().int().min(2).max(4096).default(256),
        /** Distinct meanings are counted among this many samples (default: the K of the first method). */
        diversitySubsample: z.number().int().min(1).optional(),
        /** Compute the exact SPPO and S-SPPO dynamics from the measured base distribution. */
        ideal: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /**
     * Train a method once per seed when its targets cannot depend on a factor: a gate closed at s = 1
     * with the task's encoder removes every effect of the overconfidence (the gated oracle is the
     * same for every κ, tested), so S-SPPO is run once and reported in every κ cell.
     */
    shareIdenticalRuns: z.boolean().default(true),
    /** Write a run directory (metrics, checkpoints, summary) per seed, cell and method. */
    runDirectories: z.boolean().default(true),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.methods.forEach((entry, i) => {
      const merged = mergeMethod(config.trainer, entry);
      const parsed = selfPlayConfigSchema.safeParse(merged);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          ctx.addIssue({ code: 'custom', message: issue.message, path: ['methods', i, ...issue.path] });
        }
      }
      const name = entry.name ?? entry.method;
      if (names.has(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `method name "${name}" is used twice; give the entries distinct "name"s`,
          path: ['methods', i, 'name'],
        });
      }
      names.add(name);
    });
  });

export type ExperimentConfig = z.input<typeof experimentConfigSchema>;
export type ResolvedExperimentConfig = z.output<typeof experimentConfigSchema>;

function mergeMethod(trainer: Record<string, unknown>, entry: Record<string, unknown>): Record<string, unknown> {
  const { name: _name, encoder: _encoder, ...rest } = entry;
  // the decisive evaluation draws its own samples; the trainer's own evaluation draw is unused
  const merged: Record<string, unknown> = { evaluationSamplesPerPrompt: 1, ...trainer, ...rest };
  for (const key of nestedKeys) {
    const a = trainer[key];
    const b = rest[key];
    if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) merged[key] = { ...a, ...b };
  }
  return merged;
}

/** A short label of an encoder spec. */
export function encoderLabel(spec: EncoderSpec): string {
  if (typeof spec === 'string') return spec;
  if ('noisy' in spec) return `noisy(${spec.noisy.errorRate})`;
  return 'contrastive';
}

const asList = <T>(value: T | readonly T[] | undefined, fallback: T): T[] =>
  value === undefined ? [fallback] : Array.isArray(value) ? [...(value as T[])] : [value as T];

/** The cells of an experiment: every combination of the task's factor values. */
export function experimentCells(config: ResolvedExperimentConfig): CellSpec[] {
  const defaults = syntheticTaskOptionsSchema.parse({});
  const cells: CellSpec[] = [];
  for (const dominantClaimShare of asList(config.task.dominantClaimShare, defaults.dominantClaimShare)) {
    for (const concision of asList(config.task.concision, defaults.concision)) {
      for (const overconfidence of asList(config.task.overconfidence, defaults.overconfidence)) {
        const share = dominantClaimShare === null ? 'uniform' : `share ${Number(dominantClaimShare.toFixed(3))}`;
        cells.push({
          label: `κ=${overconfidence} concision=${concision} ${share}`,
          overconfidence,
          concision,
          dominantClaimShare,
        });
      }
    }
  }
  return cells;
}

export type ExperimentResult = {
  readonly summary: ExperimentSummary;
  readonly analysis: ExperimentAnalysis;
  readonly text: string;
  readonly seconds: number;
};

/** `summary.json` of an experiment. */
export type ExperimentSummary = ExperimentAnalysis['summary'];

type Resolved = {
  readonly name: string;
  readonly entry: ResolvedExperimentConfig['methods'][number];
  readonly config: ResolvedSelfPlayConfig;
  readonly encoder: EncoderSpec;
};

/**
 * Runs an experiment on the synthetic task. Per seed and corpus: the base policy by SFT and one
 * large base sample on the held-out prompts, shared by every run. Per cell (a combination of the
 * task's factors) and method: self-play from that base, evaluated at every iteration by its own
 * large, independently seeded sample against the base sample, by the true preference and the known
 * meanings; then the exact dynamics from the measured base distribution, the fraction of the
 * exact step each learned iteration realised, per-seed paired differences, and the pre-registered
 * criteria. Writes `config.json`, `summary.json` and `report.html` (and run directories).
 */
export async function runSyntheticExperiment(
  config: ResolvedExperimentConfig,
  out: string,
  io: CliIo,
  options: { readonly signal?: AbortSignal } = {},
): Promise<ExperimentResult> {
  const started = Date.now();
  await mkdir(out, { recursive: true });
  const root = await openRunDirectory(out);
  await root.writeConfig(config);
  const log = (text: string) => io.stderr(`${text}\n`);
  const cells = experimentCells(config);
  const methods: Resolved[] = config.methods.map((entry) => ({
    name: entry.name ?? entry.method,
    entry,
    config: selfPlayConfigSchema.parse({ ...mergeMethod(config.trainer, entry), seed: 0 }),
    encoder: entry.encoder ?? config.encoder,
  }));
  const diversitySubsample = config.evaluation.diversitySubsample ?? methods[0]?.config.samplesPerPrompt ?? 8;
  const records: RunRecord[] = [];
  const ideals: { seed: number; cell: CellSpec; curves: Record<string, IterationSummary[]> }[] = [];
  const corpora = [...new Set(cells.map((c) => JSON.stringify(c.dominantClaimShare)))];

  for (const seed of config.seeds) {
    for (const corpus of corpora) {
      const corpusCells = cells.filter((c) => JSON.stringify(c.dominantClaimShare) === corpus);
      const taskOf = (cell: CellSpec): SyntheticTask =>
        createSyntheticTask({
          seed,
          overconfidence: cell.overconfidence,
          concision: cell.concision,
          dominantClaimShare: cell.dominantClaimShare,
          ...(config.task.sftResponsesPerPrompt !== undefined
            ? { sftResponsesPerPrompt: config.task.sftResponsesPerPrompt }
            : {}),
          ...(config.task.maxNewTokens !== undefined ? { maxNewTokens: config.task.maxNewTokens } : {}),
          ...(config.task.temperature !== undefined ? { temperature: config.task.temperature } : {}),
        });
      const corpusTask = taskOf(corpusCells[0] as CellSpec);
      const corpusLabel = corpusCells.length > 0 ? (corpusCells[0] as CellSpec).label.replace(/^.* /, '') : '';
      // 1. base policy and the shared base sample
      const sftBar = createProgressBar(io, `seed ${seed} base SFT`);
      const sftSteps = config.base.steps ?? basePolicyOptionsSchema.parse({}).steps;
      const baseStart = Date.now();
      const base = await createBasePolicy(corpusTask, {
        seed,
        ...(config.base.steps !== undefined ? { steps: config.base.steps } : {}),
        ...(config.base.batchSize !== undefined ? { batchSize: config.base.batchSize } : {}),
        ...(config.base.learningRate !== undefined ? { learningRate: config.base.learningRate } : {}),
        onStep: (step) => sftBar.update(step.step + 1, sftSteps, `loss ${step.loss.toFixed(3)}`),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      sftBar.finish();
      const baseState = base.doSaveState();
      const baseSampler = createTokenSampler({
        decoder: base,
        temperature: corpusTask.sampling.temperature,
        maxNewTokens: corpusTask.sampling.maxNewTokens,
        eosTokenId: corpusTask.sampling.eosTokenId,
        batchSize: 128,
      });
      const baseSamples = await baseSampler.doSample({
        prompts: corpusTask.evalPrompts,
        samplesPerPrompt: config.evaluation.baseSamplesPerPrompt,
        seed: createRng(seed)
          .fork('base sample')
          .int(2 ** 31 - 1),
      });
      base.dispose();
      const baseHistograms: MeaningHistogram[] = baseSamples.map((row) =>
        meaningHistogram(row.map((s) => corpusTask.meaningOf(s))),
      );
      log(
        `seed ${seed} (${corpusLabel}): base policy fitted in ${((Date.now() - baseStart) / 1000).toFixed(1)} s; ` +
          `${config.evaluation.baseSamplesPerPrompt} base samples per held-out prompt`,
      );
      // 2. learned encoders of this corpus
      const contrastive = new Map<string, ContrastiveEncoder>();
      try {
        for (const m of methods) {
          const spec = m.encoder;
          if (spec !== 'contrastive' && !(typeof spec === 'object' && 'contrastive' in spec)) continue;
          const key = JSON.stringify(spec);
          if (contrastive.has(key)) continue;
          const encoderOptions = typeof spec === 'object' && 'contrastive' in spec ? spec.contrastive : {};
          contrastive.set(key, trainContrastiveEncoder(corpusTask, { ...encoderOptions, seed }));
        }
        const shared = new Map<string, RunRecord>();
        for (const cell of corpusCells) {
          const task = taskOf(cell);
          for (const m of methods) {
            const calibration = resolveCalibration(m.config);
            const gate = linearRampGate({ low: m.config.gate.low, high: m.config.gate.high });
            // κ only changes same-meaning verdicts; with the task's encoder those pairs have s = 1
            const kappaFree = calibration.gate && m.encoder === 'task' && gate.apply(1) === 0;
            const shareKey =
              config.shareIdenticalRuns && kappaFree ? JSON.stringify([m.name, cell.concision]) : undefined;
            const previous = shareKey !== undefined ? shared.get(shareKey) : undefined;
            if (previous !== undefined) {
              records.push({ ...previous, cell, sharedWith: previous.sharedWith ?? previous.cell.label });
              continue;
            }
            const record = await runMethod({
              config,
              seed,
              cell,
              task,
              method: m,
              baseState,
              baseHistograms,
              baseSamples,
              diversitySubsample,
              contrastive,
              out,
              io,
              ...(options.signal ? { signal: options.signal } : {}),
            });
            records.push(record);
            if (shareKey !== undefined) shared.set(shareKey, record);
          }
          if (config.evaluation.ideal) {
            const specs = idealSpecs(methods);
            ideals.push({
              seed,
              cell,
              curves: idealCurves({
                task,
                baseHistograms,
                specs,
                iterations: Math.max(...methods.map((m) => m.config.iterations)),
                diversitySubsample,
              }),
            });
          }
        }
      } finally {
        for (const encoder of contrastive.values()) encoder.dispose();
      }
    }
  }
  const analysis = analyseExperiment({ config, cells, records, ideals });
  await root.writeJson('summary.json', analysis.summary);
  await root.writeText('report.html', renderExperimentReport(analysis));
  return {
    summary: analysis.summary,
    analysis,
    text: formatExperimentText(analysis),
    seconds: (Date.now() - started) / 1000,
  };
}

/** The exact dynamics to draw beside the learned runs: one per (calibration, η, K) among the SPPO-family methods. */
function idealSpecs(methods: readonly Resolved[]): IdealSpec[] {
  const specs = new Map<string, IdealSpec>();
  for (const m of methods) {
    if (m.config.method !== 'sppo' && m.config.method !== 's-sppo') continue;
    const calibrated = resolveCalibration(m.config).gate;
    const spec: IdealSpec = {
      name: calibrated ? 'exact S-SPPO' : 'exact SPPO',
      eta: effectiveEta(m.config),
      ...(calibrated ? { gate: { low: m.config.gate.low, high: m.config.gate.high } } : {}),
    };
    const key = JSON.stringify(spec);
    if ([...specs.values()].some((s) => s.name === spec.name && JSON.stringify(s) !== key)) {
      specs.set(key, { ...spec, name: `${spec.name} (η ${spec.eta.toFixed(2)})` });
    } else specs.set(key, spec);
  }
  return [...specs.values()];
}

/**
 * The η of the exact update a method's regression targets aim at: SPPO's target
 * `η(p̂ − 1/2)` with the self term `M_ii = 1/2` in `p̂` has expectation `η (K − 1)/K (P(y ≻ π) − 1/2)`.
 */
export function effectiveEta(config: ResolvedSelfPlayConfig): number {
  const k = config.samplesPerPrompt;
  return config.includeSelf ? (config.sppo.eta * (k - 1)) / k : config.sppo.eta;
}

async function runMethod(input: {
  readonly config: ResolvedExperimentConfig;
  readonly seed: number;
  readonly cell: CellSpec;
  readonly task: SyntheticTask;
  readonly method: Resolved;
  readonly baseState: ReturnType<TransformerPolicy['doSaveState']>;
  readonly baseHistograms: readonly MeaningHistogram[];
  readonly baseSamples: readonly (readonly SampleV1[])[];
  readonly diversitySubsample: number;
  readonly contrastive: ReadonlyMap<string, ContrastiveEncoder>;
  readonly out: string;
  readonly io: CliIo;
  readonly signal?: AbortSignal;
}): Promise<RunRecord> {
  const { config, seed, cell, task, method, io } = input;
  const policy = restorePolicy(input.baseState) as TransformerPolicy;
  try {
    const sampling = {
      temperature: task.sampling.temperature,
      maxNewTokens: task.sampling.maxNewTokens,
      eosTokenId: task.sampling.eosTokenId,
    };
    const sampler = createTokenSampler({ decoder: policy, ...sampling, decode: (tokens) => task.responseText(tokens) });
    const evaluationSampler = createTokenSampler({ decoder: policy, ...sampling, batchSize: 128 });
    const spec = method.encoder;
    const encoder: SemanticEncoderV1 =
      spec === 'task'
        ? task.encoder
        : spec === 'tfidf'
          ? tfidfEncoder({ n: 3, textOf: (r) => task.responseText(r.tokens) })
          : spec === 'policy-hidden'
            ? policyHiddenEncoder(policy)
            : typeof spec === 'object' && 'noisy' in spec
              ? createNoisyMeaningEncoder({ task, errorRate: spec.noisy.errorRate, seed: spec.noisy.seed + seed })
              : (input.contrastive.get(JSON.stringify(spec)) as ContrastiveEncoder);
    const calibration = resolveCalibration(method.config);
    const encoderQuality = calibration.gate
      ? await measureEncoder(encoder, task, input.baseSamples, (method.config.gate.low + method.config.gate.high) / 2)
      : undefined;
    const histograms: MeaningHistogram[][] = [];
    const stream = `${cell.label}/${method.name}`;
    const evaluator = createMeaningEvaluator({
      task,
      sampler: evaluationSampler,
      samplesPerPrompt: config.evaluation.samplesPerPrompt,
      seed,
      stream,
      baseline: [...input.baseHistograms],
      subsampleSize: Math.min(input.diversitySubsample, config.evaluation.samplesPerPrompt),
      onRecord: (r) => {
        histograms[r.iteration] = [...r.histograms];
      },
    });
    const bar = createProgressBar(io, `seed ${seed} ${cell.label} ${method.name}`);
    const started = Date.now();
    const cpu = process.cpuUsage();
    const result = await runSelfPlay({ ...mergeMethod(config.trainer, method.entry), seed } as SelfPlayConfig, {
      policy,
      sampler,
      oracle: task.trainingOracle,
      trainPrompts: task.trainPrompts,
      evalPrompts: task.evalPrompts,
      encoder,
      evaluators: [evaluator],
      ...(config.runDirectories
        ? { runDirectory: join(input.out, `seed-${seed}`, cell.label.replace(/[^A-Za-z0-9.=-]+/g, '_'), method.name) }
        : {}),
      onProgress: (p) => bar.update(p.iteration, p.iterations, `${p.phase} ${p.done}/${p.total}`),
      onEvent: (e) =>
        io.stderr(
          `\n${method.name}: ${e.type} at iteration ${e.iteration}, step ${e.step} (loss ${e.loss}); weights restored\n`,
        ),
      ...(input.signal ? { signal: input.signal } : {}),
    });
    bar.finish();
    const last = result.iterations[result.iterations.length - 1];
    const used = process.cpuUsage(cpu);
    io.stderr(
      `seed ${seed} ${cell.label}: ${method.name} done in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(${((used.user + used.system) / 1e6).toFixed(1)} s CPU)` +
        (last?.winRateVsBase !== undefined ? `, true win rate vs base ${last.winRateVsBase.toFixed(3)}` : '') +
        '\n',
    );
    const record: RunRecord = {
      seed,
      cell,
      method: method.name,
      algorithm: method.config.method,
      encoder: encoderLabel(spec),
      calibrated: calibration.gate,
      cpuSeconds: (used.user + used.system) / 1e6,
      iterations: result.iterations.map((r) => ({ ...r })),
      histograms,
      ...(encoderQuality ? { encoderQuality } : {}),
      task,
      baseHistograms: input.baseHistograms,
    };
    if (method.config.method === 'sppo' || method.config.method === 's-sppo') {
      const fractions = stepFractions({
        task,
        baseHistograms: input.baseHistograms,
        histograms,
        eta: effectiveEta(method.config),
        ...(calibration.gate ? { gate: { low: method.config.gate.low, high: method.config.gate.high } } : {}),
      });
      record.iterations = record.iterations.map((r) => {
        const f = fractions[r.iteration];
        return f === undefined ? r : { ...r, stepFraction: f.fraction, idealStepLength: f.idealLength };
      });
    }
    return record;
  } finally {
    policy.dispose();
  }
}

/** Precision and recall of "same meaning" by an encoder at a similarity threshold, on the base sample's pairs per prompt. */
async function measureEncoder(
  encoder: SemanticEncoderV1,
  task: SyntheticTask,
  samples: readonly (readonly SampleV1[])[],
  threshold: number,
): Promise<{ precision: number; recall: number; threshold: number }> {
  const groups = [];
  for (let p = 0; p < samples.length; p++) {
    const responses = samples[p] ?? [];
    const prompt = task.evalPrompts[p] as PromptV1;
    const z = await encoder.doEncode({ responses, prompt });
    const similarity = z.map((a) =>
      z.map((b) =>
        Math.min(
          1,
          Math.max(
            0,
            a.reduce((s, x, d) => s + x * (b[d] as number), 0),
          ),
        ),
      ),
    );
    groups.push({ labels: responses.map((r) => task.meaningOf(r).key), similarity });
  }
  const agreement = sameLabelAgreement(groups, { threshold });
  return { precision: agreement.precision, recall: agreement.recall, threshold };
}
