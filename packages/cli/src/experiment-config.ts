import { type ComponentRegistries, PrefplayError, prefixErrorField } from '@prefplay/core';
import { basePolicyOptionsSchema, syntheticTaskOptionsSchema } from '@prefplay/synthetic';
import {
  buildSelfPlayLoss,
  type LossResolver,
  mergeConfigLayers,
  type ResolvedSelfPlayConfig,
  selfPlayConfigSchema,
  selfPlayPresetNames,
  selfPlayPresets,
  selfPlayRunName,
} from '@prefplay/trainers';
import { z } from 'zod';
import { type DeepPartial, overridesOf } from './config-overrides.js';

/** A component named in a registry: `name` or `{ name, options }`. */
export const componentSelectionSchema = z.union([
  z.string().min(1),
  z.strictObject({ name: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() }),
]);
export type ComponentSelection = z.output<typeof componentSelectionSchema>;

/** `{ name, options }` of a selection written either way. */
export function selectionOf(selection: ComponentSelection): {
  name: string;
  options?: Record<string, unknown> | undefined;
} {
  return typeof selection === 'string' ? { name: selection } : selection;
}

/** Self-play fields shared by every method: any field of the self-play config, none required. */
export const trainerOverridesSchema = overridesOf(selfPlayConfigSchema.omit({ seed: true }));

/** One method: a preset (`method`) and overrides of any self-play field. */
export const methodEntrySchema = overridesOf(
  selfPlayConfigSchema.omit({ seed: true }).extend({
    /** A preset: sppo, s-sppo, s-sppo-gate-only, s-sppo-repulsion-only, iterative-dpo, iterative-ipo. */
    method: z.enum(selfPlayPresetNames as [string, ...string[]]).optional(),
    /** Semantic encoder of this method's gate (default: the experiment's `encoder`). */
    encoder: componentSelectionSchema.optional(),
  }),
);

/** A task option, or a list of values: the experiment runs every combination of the lists (a factorial). */
const factor = <T extends z.ZodType>(schema: T) => z.union([schema, z.array(schema).min(1)]);
const taskShape = syntheticTaskOptionsSchema.shape;
/** The task options an experiment may cross: one cell per combination of their values. */
const taskFactorsSchema = z.strictObject({
  /** κ of the training oracle on same-meaning pairs (0 = the clean truth). */
  overconfidence: factor(taskShape.overconfidence.removeDefault()).optional(),
  /** Annotators who prefer the concise paraphrase (0 = a truth indifferent between paraphrases). */
  concision: factor(taskShape.concision.removeDefault()).optional(),
  /** Share of the SFT corpus on a dominant claim per topic (`null` = uniform claims). */
  dominantClaimShare: factor(taskShape.dominantClaimShare.removeDefault()).optional(),
});
type TaskOverrides = DeepPartial<
  Omit<z.output<typeof syntheticTaskOptionsSchema>, 'seed' | 'overconfidence' | 'concision' | 'dominantClaimShare'>
> &
  z.output<typeof taskFactorsSchema>;
/** The task's options: overrides of `createSyntheticTask`'s schema, the factors possibly lists. */
const taskOverridesSchema = (
  overridesOf(
    syntheticTaskOptionsSchema.omit({ seed: true, overconfidence: true, concision: true, dominantClaimShare: true }),
  ) as unknown as z.ZodObject
).extend(taskFactorsSchema.shape) as unknown as z.ZodType<TaskOverrides, TaskOverrides>;

/** `prefplay train` / `prefplay reproduce`: an experiment on the embedded synthetic task. */
export const experimentConfigSchema = z.strictObject({
  /** Plugin modules (paths relative to the config file, or package names) whose default export is a plugin. */
  plugins: z.array(z.string().min(1)).default([]),
  /** Seeds; each gets its own task split, base policy, base sample and runs. */
  seeds: z.array(z.number().int().min(0).max(0xffffffff)).min(1).default([1]),
  /**
   * Options of the synthetic task (`createSyntheticTask`'s schema and defaults; the seed comes from
   * `seeds`); a list as `overconfidence`, `concision` or `dominantClaimShare` makes it a factor.
   */
  task: taskOverridesSchema.prefault({}),
  /** Supervised fine-tuning of the shared base policy (`createBasePolicy`'s schema and defaults). */
  base: overridesOf(basePolicyOptionsSchema.omit({ seed: true })).prefault({}),
  /** The judge of self-play: `task` (the task's training oracle), `truth`, or a plugin's oracle. */
  oracle: componentSelectionSchema.default('task'),
  /** Semantic encoder of the gate: `task`, `tfidf`, `policy-hidden`, or a plugin's encoder. */
  encoder: componentSelectionSchema.default('task'),
  /** Batch extensions (from plugins) that losses may ask for by name. */
  batchExtensions: z.array(componentSelectionSchema).default([]),
  /** Self-play settings shared by every method. */
  trainer: trainerOverridesSchema.prefault({}),
  methods: z.array(methodEntrySchema).min(1),
  evaluation: z
    .strictObject({
      /** Samples per held-out prompt drawn by every run at every iteration, each with its own seed. */
      samplesPerPrompt: z.number().int().min(2).max(4096).default(128),
      /** Samples per held-out prompt of the base policy, drawn once per seed and shared by all runs. */
      baseSamplesPerPrompt: z.number().int().min(2).max(4096).default(256),
      /** Distinct meanings are counted among this many samples (default: the K of the first method). */
      diversitySubsample: z.number().int().min(1).optional(),
      /** Compute the exact SPPO and S-SPPO dynamics from the measured base distribution. */
      ideal: z.boolean().default(true),
      /**
       * Measure each calibrated method's encoder: precision and recall of "same meaning" at the
       * gate's midpoint on the base sample's pairs (it encodes every base sample once per run).
       */
      encoderQuality: z.boolean().default(false),
    })
    .prefault({}),
  /**
   * Train a method once per seed when its targets cannot depend on κ: with the task's oracle and
   * encoder, a gate closed at s = 1 makes the gated oracle the same for every κ (tested), so such a
   * run is trained once and reported in every κ cell.
   */
  shareIdenticalRuns: z.boolean().default(true),
  /** Write a run directory (config, metrics, checkpoints, meanings) per seed, cell and method. */
  runDirectories: z.boolean().default(true),
});

export type ExperimentConfig = z.input<typeof experimentConfigSchema>;
export type ResolvedExperimentConfig = z.output<typeof experimentConfigSchema>;

/** A method entry resolved into a complete self-play config (seed left to the runner). */
export type ResolvedMethod = {
  readonly name: string;
  readonly index: number;
  readonly config: ResolvedSelfPlayConfig;
  /** The gate's encoder of this method, when the entry names one. */
  readonly encoder?: ComponentSelection;
};

type Path = readonly (string | number)[];

/** The part of an experiment config that method entries are resolved from. */
export type MethodsConfig = Pick<ResolvedExperimentConfig, 'methods' | 'trainer'>;

function has(value: unknown, path: Path): boolean {
  let at: unknown = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !(key in (at as Record<PropertyKey, unknown>))) return false;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return true;
}

/**
 * Where a field of a merged method config was written: in the method entry, in `trainer`, or
 * (from the preset or a default) nowhere, then at the entry itself.
 */
function sourceOf(config: MethodsConfig, index: number, path: Path): Path {
  const entry = config.methods[index];
  for (let depth = path.length; depth > 0; depth--) {
    const prefix = path.slice(0, depth);
    if (has(entry, prefix)) return ['methods', index, ...prefix];
    if (has(config.trainer, prefix)) return ['trainer', ...prefix];
  }
  return ['methods', index];
}

/**
 * Each method entry as the complete self-play config it runs: preset, then `trainer`, then the
 * entry, deep-merged and validated; its loss is built once so that its options are checked too.
 * Every error names the field where it was written (`methods[1].loss.options.eta`,
 * `trainer.iterations`), with the field path in `where.fieldPath` for line lookup.
 */
export function resolveMethods(config: MethodsConfig, losses: LossResolver): ResolvedMethod[] {
  const names = new Set<string>();
  return config.methods.map((entry, index) => {
    const { method, encoder, ...overrides } = entry as {
      method?: string;
      encoder?: ComponentSelection;
    } & Record<string, unknown>;
    const preset = method === undefined ? undefined : selfPlayPresets[method as keyof typeof selfPlayPresets];
    if (method === undefined && overrides.loss === undefined && config.trainer.loss === undefined) {
      throw new PrefplayError({
        code: 'invalid-config',
        problem: 'a method entry needs a "method" (a preset) or a "loss"',
        where: { field: `methods[${index}]`, fieldPath: ['methods', index] },
        hint: `Use one of the presets ${selfPlayPresetNames.join(', ')}, or give loss: { name, options }`,
      });
    }
    const merged = mergeConfigLayers(preset, config.trainer as Record<string, unknown>, overrides);
    const parsed = selfPlayConfigSchema.safeParse(merged);
    if (!parsed.success) {
      const issue = parsed.error.issues[0] as z.core.$ZodIssue;
      const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
      const full = issue.code === 'unrecognized_keys' ? [...path, issue.keys[0] as string] : path;
      const located = sourceOf(config, index, full);
      throw new PrefplayError({
        code: 'invalid-config',
        problem: `invalid method ${index} (${method ?? 'custom'}): ${issue.message}`,
        where: { field: fieldName(located), fieldPath: located },
        hint: 'Fix the field named above; run prefplay train --help for the config format',
      });
    }
    const resolved = parsed.data;
    try {
      buildSelfPlayLoss(resolved, losses);
    } catch (error) {
      if (!PrefplayError.isInstance(error)) throw error;
      const inner = error.where.fieldPath ?? [];
      throw prefixErrorField(
        new PrefplayError({
          code: error.code,
          problem: error.problem,
          where: { fieldPath: [] },
          ...(error.hint !== undefined ? { hint: error.hint } : {}),
          cause: error,
        }),
        sourceOf(config, index, inner),
      );
    }
    const name = resolved.name ?? (method !== undefined ? method : selfPlayRunName(resolved));
    if (names.has(name)) {
      throw new PrefplayError({
        code: 'invalid-config',
        problem: `method name "${name}" is used twice; give the entries distinct "name"s`,
        where: { field: `methods[${index}].name`, fieldPath: ['methods', index] },
      });
    }
    names.add(name);
    return { name, index, config: { ...resolved, name }, ...(encoder !== undefined ? { encoder } : {}) };
  });
}

function fieldName(path: Path): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${key}` : key;
  return out;
}

/** Checks that every component the config names exists in the registries (before any work). */
export function checkComponents(
  config: Pick<ResolvedExperimentConfig, 'oracle' | 'encoder' | 'batchExtensions'> & {
    /** Method entries that may name their own encoder. */
    readonly methods?: readonly { readonly encoder?: unknown }[];
  },
  registries: ComponentRegistries,
): void {
  const check = (kind: 'oracle' | 'encoder' | 'batchExtension', selection: ComponentSelection, path: Path) => {
    const { name } = selectionOf(selection);
    if (!registries[kind].has(name)) {
      throw new PrefplayError({
        code: 'invalid-config',
        problem: `unknown ${kind} "${name}"`,
        where: { field: fieldName(path), fieldPath: [...path, ...(typeof selection === 'string' ? [] : ['name'])] },
        hint: `Use one of: ${registries[kind].names.join(', ') || '(none)'}, or load a plugin that provides it`,
      });
    }
  };
  check('oracle', config.oracle, ['oracle']);
  check('encoder', config.encoder, ['encoder']);
  for (const [i, m] of (config.methods ?? []).entries()) {
    if (m.encoder !== undefined) check('encoder', m.encoder as ComponentSelection, ['methods', i, 'encoder']);
  }
  for (const [i, e] of config.batchExtensions.entries()) check('batchExtension', e, ['batchExtensions', i]);
}
