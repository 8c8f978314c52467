import { createRng, type LossV1, type PolicyV1, PrefplayError, parseOptions, type TokenIds } from '@prefplay/core';
import { conservativeDpoLoss, dpoLoss, hingeLoss, ipoLoss, robustDpoLoss } from '@prefplay/losses';
import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { createOptimizer, optimizerNameSchema } from './create-optimizer.js';
import { type MetricsRecord, openRunDirectory } from './run-directory.js';
import type { IterationSummary, RunSummary } from './run-summary.js';
import { type PairwiseRow, scoreResponses, trainStep } from './train-step.js';
import type { TrainerEvent } from './trainer-checkpoint.js';

export const offlinePairwiseLosses = ['dpo', 'conservative-dpo', 'robust-dpo', 'ipo', 'hinge'] as const;

export const offlinePairwiseConfigSchema = z
  .object({
    loss: z.enum(offlinePairwiseLosses).default('dpo'),
    beta: z.number().positive().default(0.1),
    /** Label-noise rate of conservative / robust DPO. */
    epsilon: z.number().min(0).lt(0.5).default(0.1),
    /** IPO on per-token mean log-probs. */
    perToken: z.boolean().default(false),
    epochs: z.number().int().min(1).max(10_000).default(1),
    batchSize: z.number().int().min(1).max(4096).default(8),
    learningRate: z.number().positive().max(10).default(1e-3),
    optimizer: optimizerNameSchema.default('adam'),
    seed: z.number().int().default(0),
    maxNonFiniteSteps: z.number().int().min(0).default(3),
    scoreBatchSize: z.number().int().min(1).default(32),
  })
  .strict();

export type OfflinePairwiseConfig = z.input<typeof offlinePairwiseConfigSchema>;

/** One row of a chosen/rejected dataset, as token ids. */
export type PairwiseExample = { readonly prompt: TokenIds; readonly chosen: TokenIds; readonly rejected: TokenIds };

export type OfflinePairwiseDeps = {
  readonly policy: PolicyV1;
  readonly dataset: readonly PairwiseExample[];
  /** Frozen reference; defaults to a snapshot of `policy` at the start. */
  readonly reference?: PolicyV1;
  /** Replaces the loss named in the config. */
  readonly loss?: LossV1;
  readonly runDirectory?: string;
  readonly onProgress?: (progress: { readonly epoch: number; readonly done: number; readonly total: number }) => void;
  readonly onEvent?: (event: TrainerEvent) => void;
};

export type OfflinePairwiseResult = {
  /** Per epoch (as `iteration`, from 1): mean loss and TRL metrics. */
  readonly epochs: readonly IterationSummary[];
  readonly events: readonly TrainerEvent[];
  readonly summary: RunSummary;
};

function lossFor(config: z.output<typeof offlinePairwiseConfigSchema>): LossV1 {
  switch (config.loss) {
    case 'dpo':
      return dpoLoss({ beta: config.beta });
    case 'conservative-dpo':
      return conservativeDpoLoss({ beta: config.beta, epsilon: config.epsilon });
    case 'robust-dpo':
      return robustDpoLoss({ beta: config.beta, epsilon: config.epsilon });
    case 'ipo':
      return ipoLoss({ beta: config.beta, perToken: config.perToken });
    case 'hinge':
      return hingeLoss({ beta: config.beta });
  }
}

/**
 * Offline training of the DPO family on a fixed chosen/rejected dataset, with the same step code
 * as the self-play trainer (`trainStep`): reference log-probs are computed once, then `epochs`
 * shuffled passes of minibatches.
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
  const loss = deps.loss ?? lossFor(resolved);
  const { policy, dataset } = deps;
  const reference = deps.reference ?? policy.doSnapshot();
  const ownsReference = deps.reference === undefined;
  const directory = deps.runDirectory !== undefined ? await openRunDirectory(deps.runDirectory) : undefined;
  if (directory) {
    await directory.truncateMetrics(-1);
    await directory.writeConfig(resolved);
  }
  const rng = createRng(resolved.seed);
  const events: TrainerEvent[] = [];
  const epochs: IterationSummary[] = [];
  let optimizer: tf.Optimizer = createOptimizer(resolved.optimizer, resolved.learningRate);
  try {
    const prompts = dataset.map((e) => e.prompt);
    const scored = scoreResponses(
      reference,
      [...prompts, ...prompts],
      [...dataset.map((e) => e.chosen), ...dataset.map((e) => e.rejected)],
      {
        batchSize: resolved.scoreBatchSize,
      },
    ).logps;
    const n = dataset.length;
    const rows: PairwiseRow[] = dataset.map((e, i) => ({
      prompt: e.prompt,
      chosen: e.chosen,
      rejected: e.rejected,
      referenceChosenLogp: scored[i] as number,
      referenceRejectedLogp: scored[n + i] as number,
    }));
    const stepsPerEpoch = Math.ceil(n / resolved.batchSize);
    let step = 0;
    let consecutiveBad = 0;
    for (let epoch = 1; epoch <= resolved.epochs; epoch++) {
      const order = rng.fork(`epoch-${epoch}`).shuffle(rows.map((_, i) => i));
      const records: MetricsRecord[] = [];
      const sums: Record<string, number> = {};
      let good = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        const batch = order
          .slice(b * resolved.batchSize, (b + 1) * resolved.batchSize)
          .map((i) => rows[i] as PairwiseRow);
        const result = trainStep({ policy, optimizer, loss, rows: batch });
        step += 1;
        if (result.status === 'ok') {
          consecutiveBad = 0;
          good += 1;
          for (const [k, v] of Object.entries(result.metrics)) sums[k] = (sums[k] ?? 0) + v;
          records.push({ kind: 'step', method: loss.lossId, iteration: epoch, epoch, step, ...result.metrics });
        } else {
          const event: TrainerEvent = { type: result.status, iteration: epoch, epoch, step, loss: result.loss };
          events.push(event);
          deps.onEvent?.(event);
          records.push({ kind: 'event', method: loss.lossId, ...event });
          optimizer.dispose();
          optimizer = createOptimizer(resolved.optimizer, resolved.learningRate);
          consecutiveBad += 1;
          if (consecutiveBad > resolved.maxNonFiniteSteps) {
            if (directory) await directory.appendMetrics(records);
            throw new PrefplayError({
              code: 'numerical',
              problem: `${consecutiveBad} consecutive steps of ${loss.lossId} gave a non-finite loss or weights (last loss ${result.loss}, epoch ${epoch}, step ${step}); the weights were kept at their last finite values`,
              hint: 'Lower the learning rate or beta, or check the dataset for extreme log-probabilities',
            });
          }
        }
        deps.onProgress?.({ epoch, done: b + 1, total: stepsPerEpoch });
      }
      const summary: Record<string, number> = {};
      for (const [k, v] of Object.entries(sums)) summary[k] = v / Math.max(1, good);
      const entry: IterationSummary = { ...summary, iteration: epoch };
      epochs.push(entry);
      if (directory) await directory.appendMetrics([...records, { kind: 'iteration', method: loss.lossId, ...entry }]);
    }
  } finally {
    optimizer.dispose();
    if (ownsReference) reference.dispose();
  }
  const summary: RunSummary = {
    methods: { [loss.lossId]: { iterations: epochs } },
    seeds: [resolved.seed],
    config: resolved,
  };
  if (directory) await directory.writeJson('summary.json', summary);
  return { epochs, events, summary };
}
