import { join } from 'node:path';
import { type PolicyV1, PrefplayError, type RngState, type SampleV1 } from '@prefplay/core';
import { loadCheckpoint, saveCheckpoint } from '@prefplay/policies';
import { checkpointFileName, listCheckpoints } from './run-directory.js';
import type { IterationSummary } from './run-summary.js';

/** Trainer state stored beside the policy in each checkpoint (no optimiser state: each iteration starts a fresh one). */
export type TrainerState = {
  readonly formatVersion: 1;
  readonly method: string;
  /** Last completed iteration. */
  readonly iteration: number;
  readonly rngState: RngState;
  /** The resolved config, to refuse resuming under a different one. */
  readonly config: unknown;
  readonly iterations: readonly IterationSummary[];
  readonly events: readonly TrainerEvent[];
  /** Held-out samples of each evaluated iteration, `[iteration][prompt][k]`. */
  readonly evaluationSamples: readonly (readonly (readonly SampleV1[])[])[];
};

/** Something a user should know about: a skipped or undone step. */
export type TrainerEvent = {
  readonly type: 'non-finite-loss' | 'non-finite-weights';
  readonly iteration: number;
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
};

/** Writes policy weights and trainer state for `iteration`, atomically. */
export async function saveTrainerCheckpoint(
  checkpointsPath: string,
  policy: PolicyV1,
  state: TrainerState,
): Promise<string> {
  const path = join(checkpointsPath, checkpointFileName(state.iteration));
  await saveCheckpoint(path, { policy: policy.doSaveState(), metadata: { trainer: state } });
  return path;
}

/** Loads the newest checkpoint of a run into `policy`; undefined when there is none. */
export async function loadLatestTrainerCheckpoint(
  checkpointsPath: string,
  policy: PolicyV1,
): Promise<TrainerState | undefined> {
  const all = await listCheckpoints(checkpointsPath);
  const latest = all[all.length - 1];
  if (latest === undefined) return undefined;
  const checkpoint = await loadCheckpoint(latest.path);
  const trainer = checkpoint.metadata.trainer as TrainerState | undefined;
  if (trainer === undefined || trainer.formatVersion !== 1) {
    throw new PrefplayError({
      code: 'invalid-checkpoint',
      problem: 'the checkpoint holds no trainer state',
      where: { file: latest.path, field: 'metadata.trainer' },
      hint: 'Resume only from checkpoints written by runSelfPlay, or start a fresh run directory',
    });
  }
  policy.doLoadState(checkpoint.policy);
  return trainer;
}
