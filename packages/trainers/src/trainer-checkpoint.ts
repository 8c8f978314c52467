import { type PolicyV1, PrefplayError, type RngState, type SampleV1 } from '@prefplay/core';
import { decodeCheckpoint, encodeCheckpoint } from '@prefplay/policies';
import type { StoredCheckpoint } from './run-store.js';
import type { IterationSummary } from './run-summary.js';

/** Something a user should know about: a skipped or undone step. */
export type TrainerEvent = {
  readonly type: 'non-finite-loss' | 'non-finite-weights';
  readonly iteration: number;
  readonly epoch: number;
  /** Global optimiser step. */
  readonly step: number;
  readonly loss: number;
};

/**
 * Trainer state stored beside the policy in each checkpoint (no optimiser state: each iteration
 * starts a fresh one). The checkpoint's CRC-32 covers it.
 */
export type TrainerState = {
  readonly formatVersion: 2;
  /** The run's label. */
  readonly run: string;
  /** Last completed iteration. */
  readonly iteration: number;
  /** Global optimiser steps taken so far. */
  readonly step: number;
  readonly rngState: RngState;
  /** The resolved config, to refuse resuming under a different one. */
  readonly config: unknown;
  readonly iterations: readonly IterationSummary[];
  readonly events: readonly TrainerEvent[];
  /** Held-out samples of each evaluated iteration, `[iteration][prompt][k]`. */
  readonly evaluationSamples: readonly (readonly (readonly SampleV1[])[])[];
};

/** Checkpoint bytes with the policy's weights and the trainer state. */
export function encodeTrainerCheckpoint(policy: PolicyV1, state: TrainerState): Uint8Array {
  return encodeCheckpoint({ policy: policy.doSaveState(), metadata: { trainer: state } });
}

/** Loads a stored trainer checkpoint into `policy` and returns its trainer state. */
export function decodeTrainerCheckpoint(stored: StoredCheckpoint, policy: PolicyV1): TrainerState {
  const checkpoint = decodeCheckpoint(stored.bytes, stored.name);
  const trainer = checkpoint.metadata.trainer as TrainerState | undefined;
  if (trainer === undefined || trainer.formatVersion !== 2 || trainer.iteration !== stored.iteration) {
    throw new PrefplayError({
      code: 'invalid-checkpoint',
      problem:
        trainer === undefined
          ? 'the checkpoint holds no trainer state'
          : `the checkpoint's trainer state (format ${trainer.formatVersion}, iteration ${trainer.iteration}) does not match the file (iteration ${stored.iteration})`,
      where: { file: stored.name, field: 'metadata.trainer' },
      hint: 'Resume only from checkpoints written by this version of runSelfPlay, or start a fresh run directory',
    });
  }
  policy.doLoadState(checkpoint.policy);
  return trainer;
}
