import { parseOptions, type TokenIds } from '@prefplay/core';
import {
  type CheckpointCache,
  createTransformerPolicy,
  decodeCheckpoint,
  encodeCheckpoint,
  restorePolicy,
  type SupervisedFineTuneStep,
  supervisedFineTune,
  type TransformerPolicy,
} from '@prefplay/policies';
import { z } from 'zod';
import type { SyntheticTask } from './create-synthetic-task.js';

/** Options of `createBasePolicy`. */
export const basePolicyOptionsSchema = z
  .object({
    /** Seed of the weight initialisation and the SFT batch order (default: the task's seed). */
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    /** Optimiser steps of supervised fine-tuning. */
    steps: z.number().int().min(1).max(100_000).default(400),
    batchSize: z.number().int().min(1).max(1024).default(32),
    learningRate: z.number().positive().max(1).default(0.005),
  })
  .strict();

export type BasePolicyOptions = z.input<typeof basePolicyOptionsSchema> & {
  /**
   * Where to cache the fitted policy (e.g. `checkpointFileCache(path)` of `@prefplay/policies/node`).
   * A checkpoint written for the same task, seed and budget is loaded instead of training;
   * otherwise the policy is trained and saved there.
   */
  readonly cache?: CheckpointCache;
  /** Called after every SFT step with its index and loss. */
  readonly onStep?: (step: SupervisedFineTuneStep) => void | Promise<void>;
  readonly signal?: AbortSignal;
};

export type BasePolicyFit = {
  readonly policy: TransformerPolicy;
  /** Per-step SFT losses (empty when loaded from the checkpoint). */
  readonly losses: readonly number[];
  readonly fromCheckpoint: boolean;
};

/** What a cached checkpoint must match to be reused. */
function fingerprint(
  task: SyntheticTask,
  seed: number,
  options: { steps: number; batchSize: number; learningRate: number },
) {
  return {
    kind: 'synthetic-base-policy',
    formatVersion: 1,
    task: { ...task.options, overconfidence: undefined, concision: undefined, temperature: undefined },
    tokens: task.tokenizer.tokens.join(' '),
    policyConfig: { ...task.policyConfig, seed },
    sft: { seed, steps: options.steps, batchSize: options.batchSize, learningRate: options.learningRate },
  };
}

/**
 * Exactly `steps × batchSize` examples: the task's corpus reshuffled and repeated as needed, so one
 * SFT epoch over them takes `steps` steps.
 */
function stepExamples(task: SyntheticTask, steps: number, batchSize: number) {
  const out: { prompt: TokenIds; response: TokenIds }[] = [];
  const corpus = task.sftExamples;
  for (let i = 0; i < steps * batchSize; i++) {
    const example = corpus[i % corpus.length];
    if (example !== undefined) out.push({ prompt: example.prompt, response: example.response });
  }
  return out;
}

/**
 * Builds a transformer with the task's `policyConfig` and fits it to the task's reference corpus
 * by supervised fine-tuning, or loads it from `cache` when a matching one is there.
 */
export async function fitBasePolicy(task: SyntheticTask, input: BasePolicyOptions = {}): Promise<BasePolicyFit> {
  const { onStep, signal, cache, ...rest } = input;
  const options = parseOptions(basePolicyOptionsSchema, rest, { what: 'base policy options' });
  const seed = options.seed ?? task.options.seed;
  const expected = fingerprint(task, seed, options);
  const cached = await cache?.read();
  if (cache !== undefined && cached !== undefined) {
    const checkpoint = decodeCheckpoint(cached, cache.name);
    if (JSON.stringify(checkpoint.metadata.syntheticBasePolicy) === JSON.stringify(expected)) {
      const policy = restorePolicy(checkpoint.policy) as TransformerPolicy;
      return { policy, losses: [], fromCheckpoint: true };
    }
  }
  const policy = createTransformerPolicy({ ...task.policyConfig, seed, policyId: 'synthetic-base' });
  try {
    const { losses } = await supervisedFineTune({
      policy,
      examples: stepExamples(task, options.steps, options.batchSize),
      epochs: 1,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      seed,
      ...(onStep !== undefined ? { onStep } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
    if (cache !== undefined) {
      await cache.write(
        encodeCheckpoint(
          {
            policy: policy.doSaveState(),
            tokenizer: task.tokenizer.toJSON(),
            metadata: { syntheticBasePolicy: expected },
          },
          cache.name,
        ),
      );
    }
    return { policy, losses, fromCheckpoint: false };
  } catch (error) {
    policy.dispose();
    throw error;
  }
}

/** `fitBasePolicy(...).policy`: the task's SFT starting policy. */
export async function createBasePolicy(
  task: SyntheticTask,
  options: BasePolicyOptions = {},
): Promise<TransformerPolicy> {
  return (await fitBasePolicy(task, options)).policy;
}
