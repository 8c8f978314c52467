import { join } from 'node:path';
import {
  type ComponentContextV1,
  type ComponentRegistries,
  type LossBatchExtensionV1,
  PrefplayError,
  type PrefplayPluginV1,
  prefixErrorField,
  type SampleV1,
  withPlugins,
} from '@prefplay/core';
import { baselineWinRateEvaluator, poolExploitability, textStatisticsEvaluator } from '@prefplay/evaluators';
import { createLossRegistry, defaultLossRegistry } from '@prefplay/losses';
import { createTransformerPolicy, restorePolicy, type TransformerPolicy } from '@prefplay/policies';
import { checkpointFileCache } from '@prefplay/policies/node';
import { createTokenSampler } from '@prefplay/samplers';
import {
  basePolicyOptionsSchema,
  createBasePolicy,
  createSyntheticTask,
  type SyntheticTask,
} from '@prefplay/synthetic';
import {
  type IterationSummary,
  type LossResolver,
  type MethodSummary,
  meanOverSeeds,
  type RunSummary,
  runSelfPlay,
} from '@prefplay/trainers';
import { openRunDirectory, type RunDirectoryMode } from '@prefplay/trainers/node';
import type { CliIo } from './command.js';
import { experimentComponents } from './experiment-components.js';
import {
  checkComponents,
  type ResolvedExperimentConfig,
  type ResolvedMethod,
  resolveMethods,
  selectionOf,
} from './experiment-config.js';
import { loadPlugins } from './load-plugins.js';
import { createProgressBar } from './progress-bar.js';
import { formatFinalTable, renderReportHtml } from './report-html.js';
import { experimentReportLayout } from './report-layout.js';

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
  const task = createSyntheticTask({ ...config.task, seed: config.seeds[0] ?? 0 });
  const policy = createTransformerPolicy({ ...task.policyConfig, seed: 0 });
  try {
    const context = { task, policy };
    await buildComponent(setup, 'oracle', config.oracle, ['oracle'], context);
    await buildComponent(setup, 'encoder', config.encoder, ['encoder'], context);
    for (const [i, selection] of config.batchExtensions.entries()) {
      await buildComponent(setup, 'batchExtension', selection, ['batchExtensions', i], context);
    }
  } finally {
    policy.dispose();
  }
}

export type ExperimentResult = { readonly summary: RunSummary; readonly table: string; readonly seconds: number };

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

/**
 * Runs an experiment on the synthetic task: per seed, the base policy by SFT (cached in the run
 * directory), then every method's self-play from that same base, evaluated each iteration on
 * held-out prompts; then exploitability of every (method, iteration) against the pool of all
 * their samples under the truth. Writes `config.json`, `summary.json`, `report.html` and one run
 * directory per seed and method. With `mode: 'resume'` every run continues from its last
 * checkpoint and the result is the one an uninterrupted run gives.
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
  const root = await openRunDirectory(out, { mode });
  if (mode === 'resume') {
    const previous = await root.readConfig();
    if (previous !== undefined && JSON.stringify(previous) !== JSON.stringify(config)) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: `the run in ${out} was started with a different config`,
        where: { file: join(out, 'config.json') },
        hint: 'Resume with the same config and flags, or use --overwrite or another --out',
      });
    }
  }
  await root.writeConfig(config);
  const perSeed: Record<string, IterationSummary[][]> = {};
  const log = (text: string) => io.stderr(`${text}\n`);
  const signal = options.signal ? { signal: options.signal } : {};
  for (const seed of config.seeds) {
    const task: SyntheticTask = createSyntheticTask({ ...config.task, seed });
    const sftBar = createProgressBar(io, `seed ${seed} base SFT`);
    const sftSteps = config.base.steps ?? basePolicyOptionsSchema.parse({}).steps;
    const baseStart = Date.now();
    const base = await createBasePolicy(task, {
      ...config.base,
      seed,
      cache: checkpointFileCache(join(out, `seed-${seed}`, 'base-policy.ckpt')),
      onStep: (step) => sftBar.update(step.step + 1, sftSteps, `loss ${step.loss.toFixed(3)}`),
      ...signal,
    });
    sftBar.finish();
    log(`seed ${seed}: base policy ready in ${((Date.now() - baseStart) / 1000).toFixed(1)} s`);
    const baseState = base.doSaveState();
    base.dispose();
    const samplesByPolicy: Record<string, readonly (readonly SampleV1[])[]> = {};
    const iterationsByMethod: Record<string, IterationSummary[]> = {};
    for (const method of setup.methods) {
      const name = method.name;
      const policy = restorePolicy(baseState) as TransformerPolicy;
      try {
        const sampler = createTokenSampler({
          decoder: policy,
          temperature: task.sampling.temperature,
          maxNewTokens: task.sampling.maxNewTokens,
          eosTokenId: task.sampling.eosTokenId,
          decode: (tokens) => task.responseText(tokens),
        });
        const context = { task, policy };
        const oracle = await buildComponent(setup, 'oracle', config.oracle, ['oracle'], context);
        const encoder = await buildComponent(setup, 'encoder', config.encoder, ['encoder'], context);
        const extensions: Record<string, LossBatchExtensionV1> = {};
        for (const [i, selection] of config.batchExtensions.entries()) {
          const extension = await buildComponent(setup, 'batchExtension', selection, ['batchExtensions', i], context);
          extensions[extension.name] = extension;
        }
        const bar = createProgressBar(io, `seed ${seed} ${name}`);
        const methodStart = Date.now();
        const store = await openRunDirectory(join(out, `seed-${seed}`, name), {
          mode: mode === 'resume' ? 'resume' : 'create',
        });
        const result = await runSelfPlay(
          { ...method.config, seed, evaluationSamplesPerPrompt: config.evaluation.samplesPerPrompt },
          {
            policy,
            sampler,
            oracle,
            trainPrompts: task.trainPrompts,
            evalPrompts: task.evalPrompts,
            encoder,
            losses: setup.losses,
            extensions,
            evaluators: [
              baselineWinRateEvaluator(task.truePreference),
              textStatisticsEvaluator(task.sampling.eosTokenId),
              task.evaluator,
            ],
            store,
            resume: mode === 'resume',
            env: setup.env,
            onProgress: (p) => bar.update(p.iteration, p.iterations, `${p.phase} ${p.done}/${p.total}`),
            onEvent: (e) =>
              log(
                `\n${name}: ${e.type} at iteration ${e.iteration}, step ${e.step} (loss ${e.loss}); weights restored`,
              ),
            ...signal,
          },
        );
        bar.finish();
        const last = result.iterations[result.iterations.length - 1];
        log(
          `seed ${seed}: ${name} done in ${((Date.now() - methodStart) / 1000).toFixed(1)} s` +
            (last?.winRateVsBase !== undefined ? `, win rate vs base ${last.winRateVsBase.toFixed(3)}` : ''),
        );
        iterationsByMethod[name] = result.iterations.map((r) => ({ ...r }));
        result.evaluationSamples.forEach((samples, i) => {
          if (samples) samplesByPolicy[`${name}@${i}`] = samples;
        });
      } finally {
        policy.dispose();
      }
    }
    if (config.evaluation.exploitability) {
      const bar = createProgressBar(io, `seed ${seed} exploitability`);
      const pool = await poolExploitability({
        oracle: task.truePreference,
        prompts: task.evalPrompts,
        samples: samplesByPolicy,
        onPrompt: (done, total) => bar.update(done, total),
        ...signal,
      });
      bar.finish();
      for (const [name, rows] of Object.entries(iterationsByMethod)) {
        iterationsByMethod[name] = rows.map((r) => ({
          ...r,
          exploitability: pool.exploitability[`${name}@${r.iteration}`] ?? Number.NaN,
          poolSize: pool.meanPoolSize,
        }));
      }
    }
    for (const [name, rows] of Object.entries(iterationsByMethod)) {
      perSeed[name] ??= [];
      perSeed[name].push(rows);
      const seedDir = await openRunDirectory(join(out, `seed-${seed}`, name), { mode: 'resume' });
      const seedSummary: RunSummary = {
        methods: { [name]: { iterations: rows } },
        seeds: [seed],
        config: setup.methods.find((m) => m.name === name)?.config,
      };
      await seedDir.writeJson('summary.json', seedSummary);
      await seedDir.writeText(
        'report.html',
        renderReportHtml(seedSummary, { title: `${name}, seed ${seed}`, ...experimentReportLayout }),
      );
    }
  }
  const methods: Record<string, MethodSummary> = {};
  for (const [name, runs] of Object.entries(perSeed)) {
    methods[name] =
      config.seeds.length > 1
        ? {
            iterations: meanOverSeeds(runs),
            perSeed: Object.fromEntries(config.seeds.map((s, i) => [String(s), runs[i] ?? []])),
          }
        : { iterations: runs[0] ?? [] };
  }
  const summary: RunSummary = { methods, seeds: config.seeds, config };
  await root.writeJson('summary.json', summary);
  await root.writeText(
    'report.html',
    renderReportHtml(summary, {
      title: 'prefplay: SPPO, S-SPPO and iterative DPO on the synthetic task',
      ...experimentReportLayout,
    }),
  );
  return {
    summary,
    table: formatFinalTable(summary, experimentReportLayout.columns),
    seconds: (Date.now() - started) / 1000,
  };
}
