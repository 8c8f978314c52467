import {
  createRng,
  type LossBatchExtensionV1,
  type PolicyV1,
  PrefplayError,
  parseOptions,
  prefixErrorField,
  type TokenIds,
} from '@prefplay/core';
import { defaultLossRegistry } from '@prefplay/losses';
import { z } from 'zod';
import { optimizerNameSchema } from './create-optimizer.js';
import type { PairwiseRow } from './loss-batch.js';
import { runMinibatchLoop } from './minibatch-loop.js';
import type { LossResolver } from './run-self-play.js';
import type { MetricsRecord, RunStore } from './run-store.js';
import type { IterationSummary, RunSummary } from './run-summary.js';
import { lossSelectionSchema } from './self-play-config.js';
import { scoreResponses } from './train-step.js';
import type { TrainerEvent } from './trainer-checkpoint.js';

export const offlinePairwiseConfigSchema = z.strictObject({
  /** A loss of the registry (`dpo`, `cdpo`, `rdpo`, `ipo`, `hinge`, or a plugin's) with its options. */
  loss: lossSelectionSchema.prefault({ name: 'dpo' }),
  epochs: z.number().int().min(1).max(10_000).default(1),
  batchSize: z.number().int().min(1).max(4096).default(8),
  learningRate: z.number().positive().max(10).default(1e-3),
  optimizer: optimizerNameSchema.default('adam'),
  maxGradNorm: z.number().positive().optional(),
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  maxNonFiniteSteps: z.number().int().min(0).default(3),
  scoreBatchSize: z.number().int().min(1).default(32),
});

export type OfflinePairwiseConfig = z.input<typeof offlinePairwiseConfigSchema>;

/** One row of a chosen/rejected dataset, as token ids. */
export type PairwiseExample = { readonly prompt: TokenIds; readonly chosen: TokenIds; readonly rejected: TokenIds };

export type OfflinePairwiseDeps = {
  readonly policy: PolicyV1;
  readonly dataset: readonly PairwiseExample[];
  /** Frozen reference; defaults to a snapshot of `policy` at the start. */
  readonly reference?: PolicyV1;
  /** Where `config.loss.name` is looked up (default `defaultLossRegistry`). */
  readonly losses?: LossResolver;
  readonly extensions?: Readonly<Record<string, LossBatchExtensionV1>>;
  readonly store?: RunStore;
  readonly onProgress?: (progress: { readonly epoch: number; readonly done: number; readonly total: number }) => void;
  readonly onEvent?: (event: TrainerEvent) => void;
  readonly now?: () => Date;
};

export type OfflinePairwiseResult = {
  /** Per epoch (as `iteration`, from 1): mean loss and TRL metrics. */
  readonly epochs: readonly IterationSummary[];
  readonly events: readonly TrainerEvent[];
  readonly summary: RunSummary;
};

/**
 * Offline training of a pairwise loss (the DPO family, or any registered one) on a fixed
 * chosen/rejected dataset, with the self-play trainer's step and minibatch loop: reference
 * log-probs are computed once, then `epochs` shuffled passes of minibatches.
 */
export async function runOfflinePairwise(
  config: OfflinePairwiseConfig,
  deps: OfflinePairwiseDeps,
): Promise<OfflinePairwiseResult> {
  const resolved = parseOptions(offlinePairwiseConfigSchema, config, {
    what: 'offline pairwise config',
    code: 'invalid-config',
  });
  if (deps.dataset.length === 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'the pairwise dataset is empty',
      where: { field: 'dataset' },
    });
  }
  let loss: ReturnType<LossResolver['createFromConfig']>;
  try {
    loss = (deps.losses ?? defaultLossRegistry).createFromConfig(resolved.loss.name, resolved.loss.options, {
      where: 'loss',
      env: {},
    });
  } catch (error) {
    throw prefixErrorField(error, resolved.loss.options === undefined ? ['loss'] : ['loss', 'options']);
  }
  const { policy, dataset, store } = deps;
  const now = deps.now ?? (() => new Date());
  const run = resolved.loss.name;
  const reference = deps.reference ?? policy.doSnapshot();
  const ownsReference = deps.reference === undefined;
  if (store) {
    await store.truncateMetrics(-1);
    await store.writeConfig(resolved);
  }
  const rng = createRng(resolved.seed);
  const events: TrainerEvent[] = [];
  const epochs: IterationSummary[] = [];
  try {
    const prompts = dataset.map((e) => e.prompt);
    const scored = scoreResponses(
      reference,
      [...prompts, ...prompts],
      [...dataset.map((e) => e.chosen), ...dataset.map((e) => e.rejected)],
      { batchSize: resolved.scoreBatchSize },
    ).logps;
    const n = dataset.length;
    const rows: PairwiseRow[] = dataset.map((e, i) => ({
      prompt: e.prompt,
      chosen: e.chosen,
      rejected: e.rejected,
      referenceChosenLogp: scored[i] as number,
      referenceRejectedLogp: scored[n + i] as number,
    }));
    const records: MetricsRecord[] = [];
    let trained: ReturnType<typeof runMinibatchLoop>;
    try {
      trained = runMinibatchLoop({
        policy,
        loss,
        rows,
        ...(deps.extensions ? { extensions: deps.extensions } : {}),
        epochs: resolved.epochs,
        firstEpoch: 1,
        batchSize: resolved.batchSize,
        optimizer: resolved.optimizer,
        learningRate: resolved.learningRate,
        ...(resolved.maxGradNorm !== undefined ? { maxGradNorm: resolved.maxGradNorm } : {}),
        rng,
        maxNonFiniteSteps: resolved.maxNonFiniteSteps,
        run,
        iteration: 'epoch',
        startStep: 0,
        onRecord: (r) => records.push(r),
        onEvent: (e) => {
          events.push(e);
          deps.onEvent?.(e);
        },
        onProgress: (done, total) => {
          const perEpoch = total / resolved.epochs;
          deps.onProgress?.({
            epoch: Math.ceil(done / perEpoch),
            done: done - (Math.ceil(done / perEpoch) - 1) * perEpoch,
            total: perEpoch,
          });
        },
        now,
      });
    } catch (error) {
      if (store) await store.appendMetrics(records);
      throw error;
    }
    const out: MetricsRecord[] = [];
    trained.epochMetrics.forEach((metrics, i) => {
      const epoch = i + 1;
      const entry: IterationSummary = { ...metrics, iteration: epoch };
      epochs.push(entry);
      const last = records.filter((r) => r.iteration === epoch);
      out.push(...last, {
        kind: 'iteration',
        run,
        iteration: epoch,
        step: last.length > 0 ? (last[last.length - 1] as MetricsRecord).step : 0,
        time: now().toISOString(),
        metrics: entry,
      });
    });
    if (store) await store.appendMetrics(out);
  } finally {
    if (ownsReference) reference.dispose();
  }
  const summary: RunSummary = { methods: { [run]: { iterations: epochs } }, seeds: [resolved.seed], config: resolved };
  if (store) await store.writeJson('summary.json', summary);
  return { epochs, events, summary };
}
