import { type LossBatchExtensionV1, type LossV1, type PolicyV1, PrefplayError, type Rng } from '@prefplay/core';
import type * as tf from '@tensorflow/tfjs-core';
import { createOptimizer, type OptimizerName } from './create-optimizer.js';
import type { PairwiseRow } from './loss-batch.js';
import type { MetricsRecord } from './run-store.js';
import { trainStep } from './train-step.js';
import type { TrainerEvent } from './trainer-checkpoint.js';

export type MinibatchLoopOptions = {
  readonly policy: PolicyV1;
  readonly loss: LossV1;
  readonly rows: readonly PairwiseRow[];
  readonly extensions?: Readonly<Record<string, LossBatchExtensionV1>>;
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  readonly maxGradNorm?: number;
  /** Shuffles the rows; forked per epoch. */
  readonly rng: Rng;
  /** Consecutive non-finite steps tolerated before a `numerical` error. */
  readonly maxNonFiniteSteps: number;
  /** Labels of the records: the run and its iteration (`'epoch'`: each epoch is one, offline). */
  readonly run: string;
  readonly iteration: number | 'epoch';
  /** Global optimiser steps taken before this loop. */
  readonly startStep: number;
  /** Epoch numbers start here (0 for self-play, 1 for offline epochs). */
  readonly firstEpoch?: number;
  readonly onRecord?: (record: MetricsRecord) => void;
  readonly onEvent?: (event: TrainerEvent) => void;
  readonly onProgress?: (done: number, total: number) => void;
  readonly checkAbort?: () => void;
  readonly now?: () => Date;
};

export type MinibatchLoopResult = {
  /** Losses of the steps that were applied. */
  readonly losses: readonly number[];
  /** Mean of each metric over the applied steps. */
  readonly meanMetrics: Readonly<Record<string, number>>;
  /** The same per epoch, with `loss` (the mean applied loss) and `steps`. */
  readonly epochMetrics: readonly Readonly<Record<string, number>>[];
  readonly records: readonly MetricsRecord[];
  readonly events: readonly TrainerEvent[];
  /** Global step count after the loop. */
  readonly step: number;
};

/**
 * `epochs` shuffled passes of minibatches over `rows`, one optimiser for the whole loop. A step
 * with a non-finite loss, gradient or update is undone, recorded as an event and the optimiser
 * replaced; more than `maxNonFiniteSteps` in a row stop the run with a `numerical` error. Shared by
 * the self-play and the offline trainers.
 */
export function runMinibatchLoop(options: MinibatchLoopOptions): MinibatchLoopResult {
  const { policy, loss, rows, run } = options;
  const now = options.now ?? (() => new Date());
  const firstEpoch = options.firstEpoch ?? 0;
  const stepsPerEpoch = Math.ceil(rows.length / options.batchSize);
  const totalSteps = stepsPerEpoch * options.epochs;
  const losses: number[] = [];
  const sums: Record<string, number> = {};
  const epochMetrics: Record<string, number>[] = [];
  const records: MetricsRecord[] = [];
  const events: TrainerEvent[] = [];
  const record = (r: MetricsRecord) => {
    records.push(r);
    options.onRecord?.(r);
  };
  let optimizer: tf.Optimizer = createOptimizer(options.optimizer, options.learningRate);
  let step = options.startStep;
  let consecutiveBad = 0;
  try {
    for (let e = 0; e < options.epochs; e++) {
      const epoch = firstEpoch + e;
      const iteration = options.iteration === 'epoch' ? epoch : options.iteration;
      const order = options.rng.fork(`epoch-${epoch}`).shuffle(rows.map((_, i) => i));
      const epochSums: Record<string, number> = {};
      let epochGood = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        options.checkAbort?.();
        const batchRows = order
          .slice(b * options.batchSize, (b + 1) * options.batchSize)
          .map((i) => rows[i] as PairwiseRow);
        const result = trainStep({
          policy,
          optimizer,
          loss,
          rows: batchRows,
          ...(options.extensions ? { extensions: options.extensions } : {}),
          ...(options.maxGradNorm !== undefined ? { maxGradNorm: options.maxGradNorm } : {}),
        });
        step += 1;
        if (result.status === 'ok') {
          consecutiveBad = 0;
          losses.push(result.loss);
          epochGood += 1;
          for (const [k, v] of Object.entries(result.metrics)) {
            sums[k] = (sums[k] ?? 0) + v;
            epochSums[k] = (epochSums[k] ?? 0) + v;
          }
          record({
            kind: 'step',
            run,
            iteration,
            step,
            time: now().toISOString(),
            epoch,
            loss: result.loss,
            grad_norm: result.gradNorm,
            learning_rate: options.learningRate,
            ...result.metrics,
          });
        } else {
          const event: TrainerEvent = { type: result.status, iteration, epoch, step, loss: result.loss };
          events.push(event);
          options.onEvent?.(event);
          record({ kind: 'event', run, time: now().toISOString(), ...event });
          optimizer.dispose();
          optimizer = createOptimizer(options.optimizer, options.learningRate);
          consecutiveBad += 1;
          if (consecutiveBad > options.maxNonFiniteSteps) {
            throw new PrefplayError({
              code: 'numerical',
              problem: `${consecutiveBad} consecutive training steps of ${run} gave a non-finite loss, gradient or weights (last loss ${result.loss}, iteration ${iteration}, epoch ${epoch}, step ${step}); the weights were kept at their last finite values`,
              hint: 'Lower the learning rate, eta or beta, set maxGradNorm, or check the oracle and reference log-probs for extreme values',
            });
          }
        }
        options.onProgress?.(step - options.startStep, totalSteps);
      }
      const means: Record<string, number> = {};
      for (const [k, v] of Object.entries(epochSums)) means[k] = v / Math.max(1, epochGood);
      epochMetrics.push(means);
    }
  } finally {
    optimizer.dispose();
  }
  const meanMetrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) meanMetrics[k] = v / Math.max(1, losses.length);
  return { losses, meanMetrics, epochMetrics, records, events, step };
}
