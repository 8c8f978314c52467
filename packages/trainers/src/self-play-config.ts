import { latentRepulsionOptionsSchema } from '@prefplay/losses';
import { linearRampGateOptionsSchema } from '@prefplay/preference';
import { z } from 'zod';
import { optimizerNameSchema } from './create-optimizer.js';

/** A loss named in a registry, with the options its factory validates. */
export const lossSelectionSchema = z.strictObject({
  /** A name in the loss registry the run is given (`defaultLossRegistry` by default). */
  name: z.string().min(1),
  /** Options of that loss's factory; it validates them (unknown keys are errors). */
  options: z.record(z.string(), z.unknown()).optional(),
});
export type LossSelection = z.input<typeof lossSelectionSchema>;

/** Semantic gating of the oracle's matrix (method.md §3): on when present and not disabled. */
export const calibrationConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** The linear-ramp gate `g(s) = clip((high − s)/(high − low), 0, 1)`. */
  gate: linearRampGateOptionsSchema.prefault({}),
});

/** Latent repulsion (method.md §3), added to the loss with weight λ: on when present and not disabled. */
export const repulsionConfigSchema = latentRepulsionOptionsSchema.extend({
  enabled: z.boolean().default(true),
});

/**
 * A self-play run: the loss (by name), optional calibration and repulsion, and the schedule. The
 * methods users know (`sppo`, `s-sppo`, `iterative-dpo`, …) are presets of these fields
 * (`selfPlayPresets`). This schema holds the defaults; the CLI and config files reuse it.
 */
export const selfPlayConfigSchema = z.strictObject({
  /** Label of the run in summaries, tables and plots (default: derived from the loss and parts). */
  name: z.string().min(1).optional(),
  loss: lossSelectionSchema.prefault({ name: 'sppo' }),
  calibration: calibrationConfigSchema.optional(),
  repulsion: repulsionConfigSchema.optional(),
  /** Self-play iterations T (each: sample, judge, train, evaluate, checkpoint); 3 as in official SPPO. */
  iterations: z.number().int().min(1).max(10_000).default(3),
  /** K, responses sampled per training prompt. */
  samplesPerPrompt: z.number().int().min(2).max(256).default(4),
  /** Passes over the iteration's training rows. */
  epochs: z.number().int().min(1).max(1000).default(1),
  /** Rows (prompts) per minibatch. */
  batchSize: z.number().int().min(1).max(4096).default(8),
  learningRate: z.number().positive().max(10).default(1e-3),
  optimizer: optimizerNameSchema.default('adam'),
  /** Clip the global gradient norm to this value (no clipping when absent). */
  maxGradNorm: z.number().positive().optional(),
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  /** Include `M_ii = 1/2` in the win rates `p̂_i` (official SPPO). */
  includeSelf: z.boolean().default(true),
  /** Consecutive non-finite steps tolerated before the run stops with a `numerical` error. */
  maxNonFiniteSteps: z.number().int().min(0).default(3),
  /** Evaluate the starting policy as iteration 0. */
  evaluateInitial: z.boolean().default(true),
  /** Samples per held-out prompt for evaluation. */
  evaluationSamplesPerPrompt: z.number().int().min(1).max(4096).default(4),
  /** Rows per forward pass when scoring without gradients. */
  scoreBatchSize: z.number().int().min(1).default(32),
});

export type SelfPlayConfig = z.input<typeof selfPlayConfigSchema>;
export type ResolvedSelfPlayConfig = z.output<typeof selfPlayConfigSchema>;

/** Whether the gate and the repulsion term are on. */
export function resolveCalibration(config: ResolvedSelfPlayConfig): { gate: boolean; repulsion: boolean } {
  return { gate: config.calibration?.enabled === true, repulsion: config.repulsion?.enabled === true };
}

/** The run's label: its `name`, else the loss name with `+gate` / `+repulsion`. */
export function selfPlayRunName(config: ResolvedSelfPlayConfig): string {
  if (config.name !== undefined) return config.name;
  const { gate, repulsion } = resolveCalibration(config);
  return `${config.loss.name}${gate ? '+gate' : ''}${repulsion ? '+repulsion' : ''}`;
}
