import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  type ComponentRegistries,
  type LossBatchExtensionV1,
  PrefplayError,
  type PrefplayPluginV1,
  type PromptV1,
  prefixErrorField,
  withPlugins,
} from '@prefplay/core';
import { describeBackend, initBackend } from '@prefplay/core/node';
import { baselineWinRateEvaluator, textStatisticsEvaluator } from '@prefplay/evaluators';
import { type HuggingFaceTokenizer, loraOptionsSchema, type Prompt } from '@prefplay/policies';
import { type LoadedHuggingFaceModel, loadHuggingFaceModel, saveHuggingFaceFolder } from '@prefplay/policies/node';
import { createTokenSampler, tokenSamplerOptionsSchema } from '@prefplay/samplers';
import { type IterationSummary, type LossResolver, type RunSummary, runSelfPlay } from '@prefplay/trainers';
import { openRunDirectory, type RunDirectoryMode } from '@prefplay/trainers/node';
import { stringify } from 'yaml';
import { z } from 'zod';
import { type CliIo, exitCodes } from './command.js';
import {
  checkComponents,
  componentSelectionSchema,
  methodEntrySchema,
  type ResolvedMethod,
  resolveMethods,
  selectionOf,
  trainerOverridesSchema,
} from './experiment-config.js';
import { huggingFaceComponents, withApiKeyFromEnv } from './hugging-face-components.js';
import { type ConfigDocument, locateInDocument, validateConfigDocument } from './load-config.js';
import { encodeRowPrompt, promptSchema } from './load-model-folder.js';
import { loadPlugins } from './load-plugins.js';
import { openExperimentRoot } from './open-experiment-root.js';
import { createProgressBar } from './progress-bar.js';
import { readJsonlRows } from './read-jsonl-rows.js';
import { formatFinalTable, renderReportHtml } from './report-html.js';
import { buildComponent, lossRegistryWithPlugins } from './synthetic-experiment.js';

/**
 * `prefplay train` on your own model: a Hugging Face model folder as the policy (optionally with
 * LoRA), your prompts, and an oracle and encoder by name (built-in or from plugins). Paths are
 * relative to the config file.
 */
export const huggingFaceExperimentConfigSchema = z.strictObject({
  /** Plugin modules (paths relative to the config file, or package names) whose default export is a plugin. */
  plugins: z.array(z.string().min(1)).default([]),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  policy: z.strictObject({
    /** A Hugging Face model folder on disk (config.json, safetensors weights, tokenizer files). */
    model: z.string().min(1),
    /** A PEFT LoRA adapter folder to continue training (its settings come from adapter_config.json). */
    adapter: z.string().min(1).optional(),
    /** Fresh LoRA adapters (PEFT names); without, every weight is trained. */
    lora: loraOptionsSchema.optional(),
  }),
  /** Training prompts, JSONL rows {"prompt": string or chat messages, "id"?}. */
  prompts: z.string().min(1),
  /** Held-out prompts (same format) for the evaluation of every iteration; none when absent. */
  evalPrompts: z.string().min(1).optional(),
  /** How responses are sampled from the policy (KV-cached decoding; stops at any of the tokenizer's `eosTokenIds`). */
  sampling: tokenSamplerOptionsSchema
    .pick({ temperature: true, topP: true, topK: true })
    .extend({ maxNewTokens: z.number().int().min(1).max(8192).default(64) })
    .strict()
    .prefault({}),
  /** The judge: `openai-judge` (an OpenAI-compatible chat endpoint) or a plugin's oracle. */
  oracle: componentSelectionSchema,
  /** Semantic encoder of the gate: `policy-hidden`, `openai-embeddings`, `tfidf`, or a plugin's. */
  encoder: componentSelectionSchema.default('policy-hidden'),
  /** Batch extensions (from plugins) that losses may ask for by name. */
  batchExtensions: z.array(componentSelectionSchema).default([]),
  /** Self-play settings shared by every method. */
  trainer: trainerOverridesSchema.prefault({}),
  methods: z.array(methodEntrySchema).min(1),
  /** How each iteration's policy is saved: a PEFT adapter folder (LoRA) or a full model folder. */
  save: z
    .strictObject({
      /** Write LoRA policies as full models with the adapters merged in. */
      merge: z.boolean().default(false),
      dtype: z.enum(['F32', 'BF16']).default('F32'),
    })
    .prefault({}),
});

export type HuggingFaceExperimentConfig = z.input<typeof huggingFaceExperimentConfigSchema>;
export type ResolvedHuggingFaceExperimentConfig = z.output<typeof huggingFaceExperimentConfigSchema>;

export type HuggingFaceExperimentSetup = {
  readonly config: ResolvedHuggingFaceExperimentConfig;
  readonly methods: readonly ResolvedMethod[];
  readonly plugins: readonly PrefplayPluginV1[];
  readonly components: ComponentRegistries;
  readonly losses: LossResolver;
  readonly baseDirectory: string;
  readonly env: Readonly<Record<string, string | undefined>>;
};

/** Loads plugins and resolves every method (checking losses and component names); trains nothing. */
export async function prepareHuggingFaceExperiment(
  config: ResolvedHuggingFaceExperimentConfig,
  options: { readonly baseDirectory: string; readonly env?: Readonly<Record<string, string | undefined>> },
): Promise<HuggingFaceExperimentSetup> {
  if (config.policy.adapter !== undefined && config.policy.lora !== undefined) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: 'policy.adapter and policy.lora cannot be used together',
      where: { field: 'policy.lora', fieldPath: ['policy', 'lora'] },
      hint: 'An adapter folder brings its own LoRA settings; remove one of the two',
    });
  }
  // Secrets are checked before anything runs: none in the file, every named variable set.
  const env = options.env ?? {};
  const selections: [readonly (string | number)[], z.output<typeof componentSelectionSchema>][] = [
    [['oracle'], config.oracle],
    [['encoder'], config.encoder],
    ...config.batchExtensions.map((e, i): [readonly (string | number)[], typeof e] => [['batchExtensions', i], e]),
  ];
  for (const [path, selection] of selections) {
    const { options: componentOptions } = selectionOf(selection);
    if (componentOptions === undefined) continue;
    const where = path
      .map((k) => (typeof k === 'number' ? `[${k}]` : k))
      .join('.')
      .replace('.[', '[');
    try {
      withApiKeyFromEnv(componentOptions, { where, env });
    } catch (error) {
      throw prefixErrorField(error, path);
    }
  }
  const plugins = await loadPlugins(config.plugins, options.baseDirectory);
  const components = withPlugins(huggingFaceComponents(), plugins);
  const losses = lossRegistryWithPlugins(plugins);
  checkComponents(config, components);
  const methods = resolveMethods(config, losses);
  return { config, methods, plugins, components, losses, baseDirectory: options.baseDirectory, env: options.env ?? {} };
}

/** Text of a prompt for judges and encoders: the string, or the messages as `role: content` lines. */
function promptText(prompt: Prompt): string {
  return typeof prompt === 'string' ? prompt : prompt.map((m) => `${m.role}: ${m.content}`).join('\n');
}

async function readPrompts(
  path: string,
  baseDirectory: string,
  field: string,
  tokenizer: HuggingFaceTokenizer,
  contextLength: number,
): Promise<PromptV1[]> {
  const file = isAbsolute(path) ? path : resolve(baseDirectory, path);
  const rows = await readJsonlRows(
    file,
    baseDirectory,
    field,
    z.looseObject({ prompt: promptSchema, id: z.union([z.string(), z.number()]).optional() }),
    '{"prompt", "id"?}',
  );
  return rows.map(({ line, value }) => {
    const tokens = encodeRowPrompt(tokenizer, value.prompt, file, line);
    if (tokens.length === 0 || tokens.length >= contextLength) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem:
          tokens.length === 0
            ? 'the prompt encodes to no tokens'
            : `the prompt has ${tokens.length} tokens, leaving no room in the model's context of ${contextLength}`,
        where: { file, line, field: 'prompt' },
        hint: tokens.length === 0 ? 'Give the prompt some text' : 'Shorten the prompt',
      });
    }
    return { id: String(value.id ?? line), tokens, text: promptText(value.prompt) };
  });
}

export type HuggingFaceExperimentResult = { readonly summary: RunSummary; readonly table: string };

/**
 * Runs every method of the config from the model folder: per method a fresh policy (with its LoRA
 * adapters), self-play against the oracle on the prompts, and after every iteration the policy saved
 * as a Hugging Face folder `<out>/<method>/iteration-<t>` (a PEFT adapter folder for LoRA unless
 * `save.merge`). Writes `config.json`, `summary.json`, `report.html` and each method's run directory.
 * API keys are read from the environment variables the config names and are never written.
 */
export async function runHuggingFaceExperiment(
  setup: HuggingFaceExperimentSetup,
  out: string,
  io: CliIo,
  options: { readonly mode?: RunDirectoryMode; readonly signal?: AbortSignal } = {},
): Promise<HuggingFaceExperimentResult> {
  const { config } = setup;
  const mode = options.mode ?? 'create';
  const root = await openExperimentRoot(out, config, mode);
  const log = (text: string) => io.stderr(`${text}\n`);
  const modelFolder = resolve(setup.baseDirectory, config.policy.model);
  const load = (): Promise<LoadedHuggingFaceModel> =>
    loadHuggingFaceModel(modelFolder, {
      ...(config.policy.lora !== undefined ? { lora: config.policy.lora } : {}),
      ...(config.policy.adapter !== undefined ? { adapter: resolve(setup.baseDirectory, config.policy.adapter) } : {}),
      seed: config.seed,
    });
  const methods: Record<string, RunSummary['methods'][string]> = {};
  for (const method of setup.methods) {
    const { policy, tokenizer, folder } = await load();
    const pendingSaves: Promise<unknown>[] = [];
    try {
      if (tokenizer === undefined) throw new Error('unreachable: loadHuggingFaceModel requires a tokenizer');
      log(
        `${method.name}: ${policy.architecture.modelType} model from ${folder} (${policy.numParameters} parameters${policy.lora ? `, LoRA r ${policy.lora.r} on ${policy.lora.modules.length} modules` : ''})`,
      );
      const trainPrompts = await readPrompts(
        config.prompts,
        setup.baseDirectory,
        'prompts',
        tokenizer,
        policy.maxSequenceLength,
      );
      const evalPrompts =
        config.evalPrompts !== undefined
          ? await readPrompts(
              config.evalPrompts,
              setup.baseDirectory,
              'evalPrompts',
              tokenizer,
              policy.maxSequenceLength,
            )
          : [];
      const sampler = createTokenSampler({
        decoder: policy,
        temperature: config.sampling.temperature,
        topP: config.sampling.topP,
        ...(config.sampling.topK !== undefined ? { topK: config.sampling.topK } : {}),
        maxNewTokens: config.sampling.maxNewTokens,
        ...(tokenizer.eosTokenIds.length > 0 ? { eosTokenId: tokenizer.eosTokenIds } : {}),
        decode: (tokens) => tokenizer.decode(tokens),
      });
      const context = { policy };
      const oracle = await buildComponent(setup, 'oracle', config.oracle, ['oracle'], context);
      const encoder = await buildComponent(setup, 'encoder', config.encoder, ['encoder'], context);
      const extensions: Record<string, LossBatchExtensionV1> = {};
      for (const [i, selection] of config.batchExtensions.entries()) {
        const extension = await buildComponent(setup, 'batchExtension', selection, ['batchExtensions', i], context);
        extensions[extension.name] = extension;
      }
      const methodDirectory = join(out, method.name);
      const store = await openRunDirectory(methodDirectory, { mode: mode === 'resume' ? 'resume' : 'create' });
      const bar = createProgressBar(io, method.name);
      const saveIteration = (summary: IterationSummary) => {
        if (summary.iteration === 0) return;
        // A frozen copy taken now (LoRA: the adapters only), written while training goes on.
        const snapshot = policy.doSnapshot();
        const target = join(methodDirectory, `iteration-${summary.iteration}`);
        pendingSaves.push(
          saveHuggingFaceFolder(target, snapshot, {
            sourceFolder: folder,
            merge: config.save.merge,
            dtype: config.save.dtype,
          }).finally(() => snapshot.dispose()),
        );
      };
      const result = await runSelfPlay(
        { ...method.config, seed: config.seed },
        {
          policy,
          sampler,
          oracle,
          trainPrompts,
          evalPrompts,
          encoder,
          losses: setup.losses,
          extensions,
          evaluators:
            evalPrompts.length > 0
              ? [
                  baselineWinRateEvaluator(oracle),
                  ...(tokenizer.eosTokenIds.length > 0 ? [textStatisticsEvaluator(tokenizer.eosTokenIds)] : []),
                ]
              : [],
          store,
          resume: mode === 'resume',
          env: setup.env,
          onIteration: saveIteration,
          onProgress: (p) => bar.update(p.iteration, p.iterations, `${p.phase} ${p.done}/${p.total}`),
          onEvent: (e) =>
            log(
              `\n${method.name}: ${e.type} at iteration ${e.iteration}, step ${e.step} (loss ${e.loss}); weights restored`,
            ),
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      bar.finish();
      await Promise.all(pendingSaves);
      methods[method.name] = { iterations: result.iterations.map((r) => ({ ...r })) };
      log(`${method.name}: done; iteration folders in ${methodDirectory}`);
    } finally {
      await Promise.allSettled(pendingSaves);
      policy.dispose();
    }
  }
  const summary: RunSummary = { methods, seeds: [config.seed], config };
  await root.writeJson('summary.json', summary);
  await root.writeText(
    'report.html',
    renderReportHtml(summary, { title: `prefplay: self-play on ${config.policy.model}` }),
  );
  return { summary, table: formatFinalTable(summary) };
}

/** Whether a config file describes a run on a Hugging Face model (it has a `policy` section). */
export function isHuggingFaceConfig(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'policy' in value;
}

/** `prefplay train` for a config with `policy: { model }`: validate, prepare, then run (or print with `check`). */
export async function trainHuggingFace(
  document: ConfigDocument,
  options: { readonly out: string; readonly check: boolean; readonly mode: RunDirectoryMode },
  io: CliIo,
): Promise<number> {
  const config = validateConfigDocument(document, huggingFaceExperimentConfigSchema, 'experiment config');
  let setup: HuggingFaceExperimentSetup;
  try {
    setup = await prepareHuggingFaceExperiment(config, { baseDirectory: dirname(document.file), env: process.env });
  } catch (error) {
    throw locateInDocument(document, error);
  }
  if (options.check) {
    const { methods: _methods, ...rest } = config;
    io.stdout(`# ${document.file}: valid\n${stringify({ ...rest, methods: setup.methods.map((m) => m.config) })}`);
    return exitCodes.ok;
  }
  const backend = await initBackend();
  io.stderr(`${describeBackend(backend)}\n`);
  let result: HuggingFaceExperimentResult;
  try {
    result = await runHuggingFaceExperiment(setup, options.out, io, { mode: options.mode });
  } catch (error) {
    throw locateInDocument(document, error);
  }
  io.stdout(`${result.table}\n\nRun directory: ${options.out}\n`);
  return exitCodes.ok;
}
