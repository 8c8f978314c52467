import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ComponentContextV1,
  type ComponentRegistries,
  type LossBatchExtensionV1,
  PrefplayError,
  type PrefplayPluginV1,
  type PromptV1,
  prefixErrorField,
  type SampleV1,
  type SemanticEncoderV1,
  withPlugins,
} from '@prefplay/core';
import { sameLabelAgreement } from '@prefplay/evaluators';
import { createLossRegistry, defaultLossRegistry } from '@prefplay/losses';
import { createTransformerPolicy, restorePolicy, type TransformerPolicy } from '@prefplay/policies';
import { checkpointFileCache } from '@prefplay/policies/node';
import { linearRampGate } from '@prefplay/preference';
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
  type SyntheticTask,
  type SyntheticTaskOptions,
  sampleMeaningHistograms,
  stepFractions,
  syntheticTaskOptionsSchema,
} from '@prefplay/synthetic';
import {
  exactDynamicsOf,
  exactDynamicsSpecs,
  type IterationSummary,
  type LossResolver,
  resolveCalibration,
  runSelfPlay,
} from '@prefplay/trainers';
import { openRunDirectory, type RunDirectory, type RunDirectoryMode } from '@prefplay/trainers/node';
import type { CliIo } from './command.js';
import {
  analyseExperiment,
  type CellSpec,
  type ExperimentAnalysis,
  type ExperimentSummary,
  type RunRecord,
} from './experiment-analysis.js';
import { experimentComponents } from './experiment-components.js';
import {
  type ComponentSelection,
  checkComponents,
  type ResolvedExperimentConfig,
  type ResolvedMethod,
  resolveMethods,
  selectionOf,
} from './experiment-config.js';
import { formatExperimentText, renderExperimentReport } from './experiment-report.js';
import { loadPlugins } from './load-plugins.js';
import { openExperimentRoot } from './open-experiment-root.js';
import { createProgressBar } from './progress-bar.js';

/** An experiment config with its plugins loaded and every method resolved and checked. */
export type ExperimentSetup = {
  readonly config: ResolvedExperimentConfig;
  readonly methods: readonly ResolvedMethod[];
  readonly plugins: readonly PrefplayPluginV1[];
  readonly components: ComponentRegistries;
  readonly losses: LossResolver;
  /** Directory that relative paths of the config resolve against. */
  readonly baseDirectory: string;
  readonly env: Readonly<Record<string, string | undefined>>;
};

/** The built-in losses plus every plugin's; a plugin loss may not reuse a taken name. */
export function lossRegistryWithPlugins(plugins: readonly PrefplayPluginV1[]): LossResolver {
  let lossFactories: Record<string, (...args: never[]) => ReturnType<typeof defaultLossRegistry.create>> = {
    ...defaultLossRegistry.factories,
  };
  for (const plugin of plugins) {
    for (const [name, factory] of Object.entries(plugin.losses ?? {})) {
      if (Object.hasOwn(lossFactories, name)) {
        throw new PrefplayError({
          code: 'invalid-config',
          problem: `plugin "${plugin.name}" registers the loss "${name}", which is already registered`,
          hint: 'Give the plugin loss another name',
        });
      }
      lossFactories = { ...lossFactories, [name]: factory as never };
    }
  }
  return createLossRegistry(lossFactories);
}

/**
 * Loads the config's plugins, builds the registries (built-in components and losses, then the
 * plugins'), and resolves every method entry, building each loss once so that its options are
 * checked. Nothing is trained. Errors carry the field path of the entry that is wrong.
 */
export async function prepareExperiment(
  config: ResolvedExperimentConfig,
  options: { readonly baseDirectory: string; readonly env?: Readonly<Record<string, string | undefined>> },
): Promise<ExperimentSetup> {
  const plugins = await loadPlugins(config.plugins, options.baseDirectory);
  const components = withPlugins(experimentComponents(), plugins);
  const losses = lossRegistryWithPlugins(plugins);
  checkComponents(config, components);
  const methods = resolveMethods(config, losses);
  const setup = {
    config,
    methods,
    plugins,
    components,
    losses,
    baseDirectory: options.baseDirectory,
    env: options.env ?? {},
  };
  await buildComponentsOnce(setup);
  return setup;
}

/**
 * Builds the oracle, the encoder and the batch extensions once against the first seed's task and
 * an untrained policy, so that their options are checked before any training starts.
 */
async function buildComponentsOnce(setup: ExperimentSetup): Promise<void> {
  const { config } = setup;
  const first = experimentCells(config)[0] as CellSpec;
  const task = createSyntheticTask({ ...taskOptionsOf(config, first), seed: config.seeds[0] ?? 0 });
  const policy = createTransformerPolicy({ ...task.policyConfig, seed: 0 });
  const dispose = (component: unknown) => {
    const d = (component as { dispose?: unknown }).dispose;
    if (component !== task.encoder && typeof d === 'function') d.call(component);
  };
  try {
    const context = { task, policy };
    await buildComponent(setup, 'oracle', config.oracle, ['oracle'], context);
    dispose(await buildComponent(setup, 'encoder', config.encoder, ['encoder'], context));
    for (const method of setup.methods) {
      if (method.encoder === undefined) continue;
      dispose(await buildComponent(setup, 'encoder', method.encoder, ['methods', method.index, 'encoder'], context));
    }
    for (const [i, selection] of config.batchExtensions.entries()) {
      await buildComponent(setup, 'batchExtension', selection, ['batchExtensions', i], context);
    }
  } finally {
    policy.dispose();
  }
}

/** Builds the component a config entry names, with the entry's field path on any error. */
export async function buildComponent<Kind extends 'oracle' | 'encoder' | 'batchExtension'>(
  setup: Pick<ExperimentSetup, 'components' | 'env' | 'baseDirectory'>,
  kind: Kind,
  selection: Parameters<typeof selectionOf>[0],
  path: readonly (string | number)[],
  context: Omit<ComponentContextV1, 'where' | 'env' | 'baseDirectory'>,
) {
  const { name, options } = selectionOf(selection);
  const where = path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
  try {
    return await setup.components[kind].create(name, options, {
      ...context,
      where,
      env: setup.env,
      baseDirectory: setup.baseDirectory,
    });
  } catch (error) {
    throw prefixErrorField(error, typeof selection === 'string' ? path : [...path, 'options']);
  }
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
        cells.push({
          label: cellLabel({ overconfidence, concision, dominantClaimShare }),
          overconfidence,
          concision,
          dominantClaimShare,
        });
      }
    }
  }
  return cells;
}

/** The options of `createSyntheticTask` for a cell (the seed left out): the config's, with the cell's factor values. */
export function taskOptionsOf(config: ResolvedExperimentConfig, cell: CellSpec): Omit<SyntheticTaskOptions, 'seed'> {
  const { overconfidence: _o, concision: _c, dominantClaimShare: _d, ...rest } = config.task;
  return {
    ...(rest as Omit<SyntheticTaskOptions, 'seed'>),
    overconfidence: cell.overconfidence,
    concision: cell.concision,
    dominantClaimShare: cell.dominantClaimShare,
  };
}

/**
 * A cell's directory name under `seed-N/` when an experiment has several cells:
 * `kappa-4-concision-1-share-0.667` or `…-uniform` (one cell: runs sit in `seed-N/<method>/`).
 */
export function cellDirectory(cell: CellSpec): string {
  const share = cell.dominantClaimShare === null ? 'uniform' : `share-${Number(cell.dominantClaimShare.toFixed(3))}`;
  return `kappa-${cell.overconfidence}-concision-${cell.concision}-${share}`;
}

export type ExperimentResult = {
  readonly summary: ExperimentSummary;
  readonly analysis: ExperimentAnalysis;
  /** The verdicts and the final tables, for the terminal. */
  readonly text: string;
  readonly seconds: number;
};

/**
 * Runs an experiment on the synthetic task. Per seed and corpus: the base policy by SFT (cached
 * in the run directory) and one large base sample on the held-out prompts, shared by every run.
 * Per cell (a combination of the task's factors) and method: self-play from that base, evaluated
 * at every iteration by its own large, independently seeded sample against the base sample, by the
 * true preference and the known meanings; then the exact dynamics from the measured base
 * distribution, the fraction of the exact step each learned iteration realised, per-seed paired
 * differences and the pre-registered criteria. Writes `config.json`, `summary.json`, `report.html`
 * and, with `runDirectories`, a run directory per seed, cell and method (with `meanings.json`, the
 * evaluation's histograms). With `mode: 'resume'` every run continues from its last checkpoint
 * and the result is the one an uninterrupted run gives.
 */
export async function runSyntheticExperiment(
  setup: ExperimentSetup,
  out: string,
  io: CliIo,
  options: { readonly signal?: AbortSignal; readonly mode?: RunDirectoryMode } = {},
): Promise<ExperimentResult> {
  const { config } = setup;
  const started = Date.now();
  const mode = options.mode ?? 'create';
  const root = await openExperimentRoot(out, config, mode);
  const log = (text: string) => io.stderr(`${text}\n`);
  const signal = options.signal ? { signal: options.signal } : {};
  const cells = experimentCells(config);
  const methods = setup.methods;
  const diversitySubsample = config.evaluation.diversitySubsample ?? methods[0]?.config.samplesPerPrompt ?? 8;
  const records: RunRecord[] = [];
  const ideals: { seed: number; cell: CellSpec; curves: Record<string, IterationSummary[]> }[] = [];
  const corpora = [...new Set(cells.map((c) => JSON.stringify(c.dominantClaimShare)))];

  for (const seed of config.seeds) {
    for (const corpus of corpora) {
      const corpusCells = cells.filter((c) => JSON.stringify(c.dominantClaimShare) === corpus);
      const taskOf = (cell: CellSpec): SyntheticTask => createSyntheticTask({ ...taskOptionsOf(config, cell), seed });
      const first = corpusCells[0] as CellSpec;
      const corpusTask = taskOf(first);
      const corpusName =
        first.dominantClaimShare === null ? 'uniform' : `share-${Number(first.dominantClaimShare.toFixed(3))}`;
      // 1. the base policy and the shared base sample
      const sftBar = createProgressBar(io, `seed ${seed} base SFT`);
      const sftSteps = config.base.steps ?? basePolicyOptionsSchema.parse({}).steps;
      const baseStart = Date.now();
      const base = await createBasePolicy(corpusTask, {
        ...config.base,
        seed,
        cache: checkpointFileCache(join(out, `seed-${seed}`, `base-policy-${corpusName}.ckpt`)),
        onStep: (step) => sftBar.update(step.step + 1, sftSteps, `loss ${step.loss.toFixed(3)}`),
        ...signal,
      });
      sftBar.finish();
      const baseState = base.doSaveState();
      const { samples: baseSamples, histograms: baseHistograms } = await sampleMeaningHistograms(
        corpusTask,
        createTokenSampler({
          decoder: base,
          temperature: corpusTask.sampling.temperature,
          maxNewTokens: corpusTask.sampling.maxNewTokens,
          eosTokenId: corpusTask.sampling.eosTokenId,
          batchSize: 128,
          decode: (tokens) => corpusTask.responseText(tokens),
        }),
        { samplesPerPrompt: config.evaluation.baseSamplesPerPrompt, seed: baseSampleSeed(seed) },
      );
      base.dispose();
      log(
        `seed ${seed} (${corpusName}): base policy ready in ${((Date.now() - baseStart) / 1000).toFixed(1)} s; ` +
          `${config.evaluation.baseSamplesPerPrompt} base samples per held-out prompt`,
      );
      // 2. every cell's runs
      const shared = new Map<string, RunRecord>();
      for (const cell of corpusCells) {
        const task = taskOf(cell);
        for (const method of methods) {
          const encoderSelection = method.encoder ?? config.encoder;
          const calibration = resolveCalibration(method.config);
          const gate = linearRampGate(method.config.calibration?.gate ?? {});
          // κ only changes same-meaning verdicts; with the task's oracle and encoder those pairs have s = 1
          const kappaFree =
            calibration.gate &&
            selectionOf(encoderSelection).name === 'task' &&
            selectionOf(config.oracle).name === 'task' &&
            gate.apply(1) === 0;
          const shareKey =
            config.shareIdenticalRuns && kappaFree ? JSON.stringify([method.name, cell.concision]) : undefined;
          const previous = shareKey !== undefined ? shared.get(shareKey) : undefined;
          if (previous !== undefined) {
            records.push({ ...previous, cell, sharedWith: previous.sharedWith ?? previous.cell.label });
            continue;
          }
          const record = await runMethod({
            setup,
            seed,
            cell,
            task,
            method,
            encoderSelection,
            baseState,
            baseHistograms,
            baseSamples,
            diversitySubsample,
            out,
            cellPath: cells.length > 1 ? [cellDirectory(cell)] : [],
            mode,
            io,
            ...signal,
          });
          records.push(record);
          if (shareKey !== undefined) shared.set(shareKey, record);
        }
        if (config.evaluation.ideal) {
          ideals.push({
            seed,
            cell,
            curves: idealCurves({
              task,
              baseHistograms,
              specs: exactDynamicsSpecs(methods.map((m) => m.config)),
              iterations: Math.max(...methods.map((m) => m.config.iterations)),
              diversitySubsample,
            }),
          });
        }
      }
    }
  }
  const analysis = analyseExperiment({ config, cells, records, ideals });
  await root.writeJson('summary.json', analysis.summary);
  await root.writeText('report.html', renderExperimentReport(analysis.summary));
  return {
    summary: analysis.summary,
    analysis,
    text: formatExperimentText(analysis.summary),
    seconds: (Date.now() - started) / 1000,
  };
}

/** The evaluation's histograms a run directory holds (`meanings.json`), for resuming. */
async function readMeanings(directory: RunDirectory): Promise<MeaningHistogram[][]> {
  const path = join(directory.path, 'meanings.json');
  if (!existsSync(path)) return [];
  return JSON.parse(await readFile(path, 'utf8')) as MeaningHistogram[][];
}

async function runMethod(input: {
  readonly setup: ExperimentSetup;
  readonly seed: number;
  readonly cell: CellSpec;
  readonly task: SyntheticTask;
  readonly method: ResolvedMethod;
  readonly encoderSelection: ComponentSelection;
  readonly baseState: ReturnType<TransformerPolicy['doSaveState']>;
  readonly baseHistograms: readonly MeaningHistogram[];
  readonly baseSamples: readonly (readonly SampleV1[])[];
  readonly diversitySubsample: number;
  readonly out: string;
  /** The cell's directory under the seed's (none when the experiment has one cell). */
  readonly cellPath: readonly string[];
  readonly mode: RunDirectoryMode;
  readonly io: CliIo;
  readonly signal?: AbortSignal;
}): Promise<RunRecord> {
  const { setup, seed, cell, task, method, io } = input;
  const { config } = setup;
  const signal = input.signal ? { signal: input.signal } : {};
  const policy = restorePolicy(input.baseState) as TransformerPolicy;
  let encoder: (SemanticEncoderV1 & { dispose?: () => void }) | undefined;
  try {
    const sampling = {
      temperature: task.sampling.temperature,
      maxNewTokens: task.sampling.maxNewTokens,
      eosTokenId: task.sampling.eosTokenId,
    };
    const sampler = createTokenSampler({ decoder: policy, ...sampling, decode: (tokens) => task.responseText(tokens) });
    const evaluationSampler = createTokenSampler({ decoder: policy, ...sampling, batchSize: 128 });
    const context = { task, policy };
    const oracle = await buildComponent(setup, 'oracle', config.oracle, ['oracle'], context);
    const encoderPath = method.encoder !== undefined ? ['methods', method.index, 'encoder'] : ['encoder'];
    encoder = await buildComponent(setup, 'encoder', input.encoderSelection, encoderPath, context);
    const extensions: Record<string, LossBatchExtensionV1> = {};
    for (const [i, selection] of config.batchExtensions.entries()) {
      const extension = await buildComponent(setup, 'batchExtension', selection, ['batchExtensions', i], context);
      extensions[extension.name] = extension;
    }
    const calibration = resolveCalibration(method.config);
    const gate = method.config.calibration?.gate;
    const encoderQuality =
      config.evaluation.encoderQuality && calibration.gate && gate !== undefined
        ? await measureEncoder(encoder, task, input.baseSamples, (gate.low + gate.high) / 2)
        : undefined;
    const store = config.runDirectories
      ? await openRunDirectory(join(input.out, `seed-${seed}`, ...input.cellPath, method.name), {
          mode: input.mode === 'resume' ? 'resume' : 'create',
        })
      : undefined;
    const histograms: MeaningHistogram[][] =
      store !== undefined && input.mode === 'resume' ? await readMeanings(store) : [];
    const evaluator = createMeaningEvaluator({
      task,
      sampler: evaluationSampler,
      samplesPerPrompt: config.evaluation.samplesPerPrompt,
      seed,
      stream: `${cell.label}/${method.name}`,
      baseline: [...input.baseHistograms],
      subsampleSize: Math.min(input.diversitySubsample, config.evaluation.samplesPerPrompt),
      onRecord: async (r) => {
        histograms[r.iteration] = [...r.histograms];
        await store?.writeJson('meanings.json', histograms);
      },
    });
    const bar = createProgressBar(io, `seed ${seed} ${cell.label} ${method.name}`);
    const started = Date.now();
    const cpu = process.cpuUsage();
    const result = await runSelfPlay(
      // the decisive evaluation draws its own samples; the trainer's own draw is unused
      { ...method.config, seed, evaluationSamplesPerPrompt: 1 },
      {
        policy,
        sampler,
        oracle,
        trainPrompts: task.trainPrompts,
        evalPrompts: task.evalPrompts,
        encoder,
        losses: setup.losses,
        extensions,
        evaluators: [evaluator],
        ...(store !== undefined ? { store, resume: input.mode === 'resume' } : {}),
        env: setup.env,
        onProgress: (p) => bar.update(p.iteration, p.iterations, `${p.phase} ${p.done}/${p.total}`),
        onEvent: (e) =>
          io.stderr(
            `\n${method.name}: ${e.type} at iteration ${e.iteration}, step ${e.step} (loss ${e.loss}); weights restored\n`,
          ),
        ...signal,
      },
    );
    bar.finish();
    const used = process.cpuUsage(cpu);
    const last = result.iterations[result.iterations.length - 1];
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
      algorithm: method.config.loss.name,
      encoder: selectionOf(input.encoderSelection).name,
      calibrated: calibration.gate,
      iterations: result.iterations.map((r) => ({ ...r })),
      histograms,
      ...(encoderQuality ? { encoderQuality } : {}),
      task,
      baseHistograms: input.baseHistograms,
    };
    const exact = exactDynamicsOf(method.config);
    if (exact !== undefined) {
      const fractions = stepFractions({
        task,
        baseHistograms: input.baseHistograms,
        histograms,
        eta: exact.eta,
        ...(exact.gate ? { gate: exact.gate } : {}),
      });
      record.iterations = record.iterations.map((r) => {
        const f = fractions[r.iteration];
        return f === undefined ? r : { ...r, stepFraction: f.fraction, idealStepLength: f.idealLength };
      });
    }
    return record;
  } finally {
    if (encoder !== undefined && encoder !== task.encoder && typeof encoder.dispose === 'function') encoder.dispose();
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
