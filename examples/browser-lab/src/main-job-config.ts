import { syntheticTaskOptionsSchema } from '@prefplay/synthetic';
import type { LabMethodName, LabSettings } from './lab-settings.js';

/**
 * The main job's settings, as `prefplay reproduce` (packages/cli/src/commands/reproduce.ts) sets
 * them. The lab trains and evaluates one cell (one κ) of the main job exactly as the CLI does: the
 * tests check the config against the CLI's, and every number of a run (training and the
 * pre-registered evaluation of docs/reproduction.md) against the CLI's run of the same cell.
 */
export const mainJobPresets = {
  quick: {
    baseSteps: 150 as number | undefined,
    iterations: 2,
    samplesPerPrompt: 4,
    epochs: 2,
    evaluation: { samplesPerPrompt: 32, baseSamplesPerPrompt: 64 },
  },
  full: {
    // createBasePolicy's default (400 steps)
    baseSteps: undefined as number | undefined,
    iterations: 6,
    samplesPerPrompt: 8,
    epochs: 8,
    evaluation: { samplesPerPrompt: 128, baseSamplesPerPrompt: 256 },
  },
} as const;

/** Values of the main job that the lab's controls can change. */
export const mainJobDefaults = {
  // the task's own default κ
  overconfidence: syntheticTaskOptionsSchema.parse({}).overconfidence,
  // every sampled response regresses to its own target η(p̂ − 1/2)
  eta: 4,
  // s takes the values 0, 1/3, 2/3 and 1 under the task's encoder: the ramp shuts the gate on
  // same-meaning pairs only
  gateLow: 0.7,
  gateHigh: 0.95,
  methods: ['sppo', 's-sppo', 'iterative-dpo'] as readonly LabMethodName[],
} as const;

const repulsion = { lambda: 0.1, margin: 1 };

export type LossChoice = { readonly name: string; readonly options: Readonly<Record<string, number>> };

/** One method entry of the experiment config: a preset of `@prefplay/trainers` and its overrides. */
export type MainJobMethodEntry = {
  readonly method: LabMethodName;
  readonly loss: LossChoice;
  readonly calibration?: { readonly gate: { readonly low: number; readonly high: number } };
  readonly repulsion?: { readonly lambda: number; readonly margin: number };
  readonly learningRate?: number;
};

/** The lab's experiment: one cell of the main job, one seed, trained and evaluated as the CLI does. */
export type MainJobConfig = {
  readonly plugins: readonly string[];
  readonly seeds: readonly number[];
  /** Options of `createSyntheticTask` that differ from its defaults. */
  readonly task: { readonly overconfidence?: number };
  readonly base: { readonly steps?: number };
  readonly oracle: 'task';
  readonly encoder: 'task';
  readonly batchExtensions: readonly never[];
  readonly trainer: {
    readonly iterations: number;
    readonly samplesPerPrompt: number;
    readonly epochs: number;
    readonly batchSize: number;
    readonly learningRate: number;
    readonly optimizer: 'adam';
  };
  readonly methods: readonly MainJobMethodEntry[];
  /**
   * The pre-registered evaluation: every run draws `samplesPerPrompt` samples per held-out prompt
   * at every iteration with its own seed, against one base sample of `baseSamplesPerPrompt`.
   */
  readonly evaluation: { readonly samplesPerPrompt: number; readonly baseSamplesPerPrompt: number };
};

function methodEntry(method: LabMethodName, settings: LabSettings): MainJobMethodEntry {
  const sppoLoss = { name: 'sppo-all', options: { eta: settings.eta ?? mainJobDefaults.eta } };
  switch (method) {
    case 'sppo':
      return { method, loss: sppoLoss };
    case 's-sppo':
      return {
        method,
        loss: sppoLoss,
        calibration: {
          gate: {
            low: settings.gateLow ?? mainJobDefaults.gateLow,
            high: settings.gateHigh ?? mainJobDefaults.gateHigh,
          },
        },
        repulsion,
      };
    // the pairwise losses are unbounded and run away at the SPPO learning rate: half of it
    case 'iterative-dpo':
      return { method, loss: { name: 'dpo', options: { beta: 0.1 } }, learningRate: 5e-4 };
    case 'iterative-ipo':
      return { method, loss: { name: 'ipo', options: { beta: 0.1 } }, learningRate: 5e-4 };
  }
}

/** The experiment the lab runs: the main job of `prefplay reproduce [--quick]`, changed by the controls. */
export function mainJobConfig(settings: LabSettings): MainJobConfig {
  const preset = mainJobPresets[settings.preset];
  return {
    plugins: [],
    seeds: [settings.seed],
    // like reproduce without --overconfidence, a κ equal to the task's default is left to the task
    task:
      settings.overconfidence !== undefined && settings.overconfidence !== mainJobDefaults.overconfidence
        ? { overconfidence: settings.overconfidence }
        : {},
    base: preset.baseSteps !== undefined ? { steps: preset.baseSteps } : {},
    oracle: 'task',
    encoder: 'task',
    batchExtensions: [],
    trainer: {
      iterations: settings.iterations ?? preset.iterations,
      samplesPerPrompt: preset.samplesPerPrompt,
      epochs: preset.epochs,
      batchSize: 6,
      learningRate: 1e-3,
      optimizer: 'adam',
    },
    methods: (settings.methods ?? mainJobDefaults.methods).map((m) => methodEntry(m, settings)),
    evaluation: { ...preset.evaluation },
  };
}

/** The experiment config for `prefplay train` that trains and evaluates the lab's cell as the lab does. */
export function cliExperimentConfig(config: MainJobConfig): Record<string, unknown> {
  return {
    ...config,
    task: { overconfidence: [config.task.overconfidence ?? mainJobDefaults.overconfidence] },
  };
}

/** The flags of `prefplay reproduce` whose cell at the lab's κ trains and evaluates exactly as the lab does. */
export function cliTrainingFlags(settings: LabSettings): {
  readonly quick: boolean;
  readonly seeds: readonly number[];
  readonly overconfidence: readonly number[];
  readonly iterations?: number;
  readonly methods: readonly LabMethodName[];
} {
  const preset = mainJobPresets[settings.preset];
  return {
    quick: settings.preset === 'quick',
    seeds: [settings.seed],
    overconfidence: [settings.overconfidence ?? mainJobDefaults.overconfidence],
    ...(settings.iterations !== undefined && settings.iterations !== preset.iterations
      ? { iterations: settings.iterations }
      : {}),
    methods: settings.methods ?? mainJobDefaults.methods,
  };
}

/**
 * How to run the same cell from the CLI, and which settings differ from the preset. On the wasm
 * backend the CLI's numbers for it are the lab's.
 */
export function cliEquivalent(settings: LabSettings): { readonly command: string; readonly differences: string[] } {
  const differences: string[] = [];
  const flags: string[] = [];
  if (settings.preset === 'quick') flags.push('--quick');
  const defaultSeed = 1;
  if (settings.seed !== defaultSeed || settings.preset === 'full') flags.push(`--seeds ${settings.seed}`);
  if (settings.seed !== defaultSeed) differences.push(`seed ${settings.seed} (the preset's is ${defaultSeed})`);
  const changed = (name: string, value: number | undefined, preset: number, flag?: string) => {
    if (value === undefined || value === preset) return false;
    differences.push(`${name} ${value} (the preset's is ${preset})`);
    if (flag) flags.push(`${flag} ${value}`);
    return flag === undefined;
  };
  const preset = mainJobPresets[settings.preset];
  if (settings.overconfidence !== undefined && settings.overconfidence !== mainJobDefaults.overconfidence) {
    differences.push(`κ ${settings.overconfidence} (the preset's is ${mainJobDefaults.overconfidence})`);
  }
  // reproduce runs κ = 0 and 4 by default; the lab trains one of them
  flags.push(`--overconfidence ${settings.overconfidence ?? mainJobDefaults.overconfidence}`);
  changed('iterations', settings.iterations, preset.iterations, '--iterations');
  const needsConfigFile = [
    changed('η', settings.eta, mainJobDefaults.eta),
    changed('gate low', settings.gateLow, mainJobDefaults.gateLow),
    changed('gate high', settings.gateHigh, mainJobDefaults.gateHigh),
  ].some(Boolean);
  const methods = settings.methods ?? mainJobDefaults.methods;
  if (methods.join(',') !== mainJobDefaults.methods.join(',')) differences.push(`methods ${methods.join(', ')}`);
  flags.push(`--methods ${methods.join(',')}`);
  const command = needsConfigFile ? 'prefplay train lab-config.json' : `prefplay reproduce ${flags.join(' ')}`.trim();
  return { command, differences };
}
