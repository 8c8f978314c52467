import { createRng, type PolicyV1, PrefplayError, type Rng, type SampleV1 } from '@prefplay/core';
import type { RunStore } from './run-store.js';
import type { IterationSummary } from './run-summary.js';
import { decodeTrainerCheckpoint, type TrainerEvent } from './trainer-checkpoint.js';

/** Where a run starts: fresh, or after the last complete checkpoint of its store. */
export type RunStart = {
  /** The run's root generator (restored from the checkpoint when resuming). */
  readonly root: Rng;
  readonly iterations: readonly IterationSummary[];
  readonly events: readonly TrainerEvent[];
  readonly evaluationSamples: readonly (readonly (readonly SampleV1[])[])[];
  /** First iteration to train. */
  readonly start: number;
  /** Global optimiser steps already taken. */
  readonly step: number;
  /** Whether iteration 0 (the starting policy) is already evaluated. */
  readonly initialDone: boolean;
};

function sameConfig(a: unknown, b: unknown): boolean {
  const strip = (c: unknown) => JSON.stringify({ ...(c as Record<string, unknown>), iterations: 0 });
  return strip(a) === strip(b);
}

/**
 * Opens a run in its store. A store that already holds a checkpoint is refused unless `resume`;
 * then the newest checkpoint is loaded into `policy`, its config must match (only `iterations`
 * may grow), the RNG state is restored and the metrics of later, incomplete iterations are
 * dropped. The config is (re)written either way.
 */
export async function startOrResumeRun(options: {
  readonly store: RunStore | undefined;
  readonly policy: PolicyV1;
  readonly config: { readonly seed: number } & Record<string, unknown>;
  readonly run: string;
  readonly resume: boolean;
}): Promise<RunStart> {
  const { store, policy, config, run } = options;
  const fresh: RunStart = {
    root: createRng(config.seed),
    iterations: [],
    events: [],
    evaluationSamples: [],
    start: 1,
    step: 0,
    initialDone: false,
  };
  if (store === undefined) return fresh;
  const latest = await store.latestCheckpoint();
  if (latest !== undefined && !options.resume) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `${store.name} already holds a run (checkpoint of iteration ${latest.iteration})`,
      where: { file: store.name },
      hint: 'Resume it (resume: true, or --resume) or use a fresh run store',
    });
  }
  if (latest === undefined) {
    await store.truncateMetrics(-1);
    await store.writeConfig(config);
    return fresh;
  }
  const previous = decodeTrainerCheckpoint(latest, policy);
  if (previous.run !== run || !sameConfig(previous.config, config)) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `the run in ${store.name} was started with a different config`,
      where: { file: store.name },
      hint: 'Resume with the same config (only iterations may grow) or use a new run directory',
    });
  }
  await store.truncateMetrics(previous.iteration);
  await store.writeConfig(config);
  return {
    root: createRng({ state: previous.rngState }),
    iterations: previous.iterations,
    events: previous.events,
    evaluationSamples: previous.evaluationSamples,
    start: previous.iteration + 1,
    step: previous.step,
    initialDone: true,
  };
}
