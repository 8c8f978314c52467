import type { PolicyForwardOptionsV1, PolicyForwardResultV1, PolicyStateV1, PolicyV1 } from '@prefplay/core';
import { createRng, PrefplayError, parseOptions } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { embeddingLookup } from './layers/embedding-lookup.js';
import { floatOneHot } from './layers/float-one-hot.js';

const file = 'packages/policies/src/tabular-policy.ts';

/** Options of `createTabularPolicy`. */
export const tabularPolicyOptionsSchema = z
  .object({
    numPrompts: z.number().int().min(1),
    numCandidates: z.number().int().min(1),
    /** `[numPrompts][numCandidates]` starting logits (default: all zero, the uniform policy). */
    initialLogits: z.array(z.array(z.number().finite())).optional(),
    /** Seed for random starting logits when `initialScale > 0`. */
    seed: z.number().int().default(0),
    /** Standard deviation of random starting logits (default 0: uniform start). Ignored with `initialLogits`. */
    initialScale: z.number().min(0).max(100).default(0),
    policyId: z.string().min(1).default('tabular'),
  })
  .refine(
    (o) =>
      o.initialLogits === undefined ||
      (o.initialLogits.length === o.numPrompts && o.initialLogits.every((row) => row.length === o.numCandidates)),
    { path: ['initialLogits'], message: 'initialLogits must be a numPrompts × numCandidates array' },
  );

export type TabularPolicyOptions = z.input<typeof tabularPolicyOptionsSchema>;

/** A softmax over a finite candidate set per prompt (SPPO's tabular setting). */
export type TabularPolicy = Omit<PolicyV1, 'doSnapshot' | 'doSaveState'> & {
  readonly numPrompts: number;
  readonly numCandidates: number;
  /** `[numPrompts, numCandidates]` logits (frozen in a snapshot). */
  readonly logits: tf.Variable;
  /** `π(·|prompt)` for every prompt as plain numbers. */
  probabilities(): number[][];
  doSnapshot(): TabularPolicy;
  doSaveState(): PolicyStateV1 & { readonly kind: 'tabular' };
};

type TabularConfig = {
  numPrompts: number;
  numCandidates: number;
  seed: number;
  initialScale: number;
  policyId: string;
};

/**
 * Creates a tabular policy: prompt tokens are `[promptIndex]`, response tokens `[candidateIndex]`,
 * and `log π(c|p)` is the log-softmax of row `p` of a `[numPrompts, numCandidates]` logit table.
 * `hidden` is the one-hot vector of the candidate (`[batch, numCandidates]`): it carries no
 * parameters, so a latent-repulsion term is a constant in this setting.
 */
export function createTabularPolicy(options: TabularPolicyOptions): TabularPolicy {
  const parsed = parseOptions(tabularPolicyOptionsSchema, options, { what: 'tabular policy options' });
  const { numPrompts, numCandidates } = parsed;
  const values = new Float32Array(numPrompts * numCandidates);
  if (parsed.initialLogits) {
    parsed.initialLogits.forEach((row, p) => {
      row.forEach((value, c) => {
        values[p * numCandidates + c] = value;
      });
    });
  } else if (parsed.initialScale > 0) {
    const rng = createRng(parsed.seed);
    for (let i = 0; i < values.length; i++) values[i] = parsed.initialScale * rng.normal();
  }
  const config: TabularConfig = {
    numPrompts,
    numCandidates,
    seed: parsed.seed,
    initialScale: parsed.initialScale,
    policyId: parsed.policyId,
  };
  return buildTabular(config, values, true);
}

function checkIndex(row: readonly number[], limit: number, field: string, what: string): number {
  const value = row[0];
  if (row.length !== 1 || value === undefined || !Number.isInteger(value) || value < 0 || value >= limit) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `${field} must be a single ${what} index in [0, ${limit - 1}], got [${row.join(', ')}]`,
      where: { file, field },
      hint: `A tabular policy reads prompt tokens as [promptIndex] and response tokens as [candidateIndex]`,
    });
  }
  return value;
}

function buildTabular(config: TabularConfig, values: Float32Array, trainable: boolean): TabularPolicy {
  const { numPrompts, numCandidates } = config;
  const initial = tf.tensor2d(values, [numPrompts, numCandidates]);
  const logits = tf.variable(initial, trainable);
  initial.dispose();
  let disposed = false;

  const doForward = (options: PolicyForwardOptionsV1): PolicyForwardResultV1 => {
    const { prompts, responses } = options;
    if (prompts.length !== responses.length || prompts.length === 0) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `doForward needs as many prompts as responses and at least one row (got ${prompts.length} prompts, ${responses.length} responses)`,
        where: { file, field: 'responses' },
        hint: 'Pass one prompt per response row',
      });
    }
    const promptIds = prompts.map((p, b) => checkIndex(p, numPrompts, `prompts[${b}]`, 'prompt'));
    const candidateIds = responses.map((r, b) => checkIndex(r, numCandidates, `responses[${b}]`, 'candidate'));
    const batch = prompts.length;
    const result = tf.tidy(() => {
      const table = tf.logSoftmax(logits);
      const rows = embeddingLookup(table, promptIds);
      const chosen = floatOneHot(tf.tensor1d(candidateIds, 'int32'), numCandidates);
      const logps = tf.sum(tf.mul(rows, chosen), 1) as tf.Tensor1D;
      const out: { -readonly [K in keyof PolicyForwardResultV1]: PolicyForwardResultV1[K] } = {
        logps,
        responseLengths: new Array<number>(batch).fill(1),
      };
      if (options.outputs?.tokenLogps) {
        out.tokenLogps = tf.reshape(logps, [batch, 1]) as tf.Tensor2D;
        out.responseMask = tf.ones([batch, 1]) as tf.Tensor2D;
      }
      if (options.outputs?.hidden) out.hidden = chosen as tf.Tensor2D;
      return out as unknown as tf.TensorContainer;
    });
    return result as unknown as PolicyForwardResultV1;
  };

  const policy: TabularPolicy = {
    specificationVersion: 'v1',
    policyId: config.policyId,
    numPrompts,
    numCandidates,
    logits,
    doForward,
    probabilities(): number[][] {
      return tf.tidy(() => tf.softmax(logits).arraySync() as number[][]);
    },
    trainableVariables: () => (trainable && !disposed ? [logits] : []),
    doSnapshot(): TabularPolicy {
      return buildTabular(config, Float32Array.from(logits.dataSync()), false);
    },
    doSaveState(): PolicyStateV1 & { readonly kind: 'tabular' } {
      return {
        kind: 'tabular',
        config: { ...config },
        weights: { logits: { shape: [numPrompts, numCandidates], values: Float32Array.from(logits.dataSync()) } },
      };
    },
    doLoadState(state: PolicyStateV1): void {
      const incoming = tabularConfigFromState(state);
      const entry = state.weights.logits;
      if (incoming.numPrompts !== numPrompts || incoming.numCandidates !== numCandidates) {
        throw new PrefplayError({
          code: 'invalid-checkpoint',
          problem: `tabular state is ${incoming.numPrompts} × ${incoming.numCandidates}, this policy is ${numPrompts} × ${numCandidates}`,
          where: { field: 'config' },
          hint: 'Load it with restorePolicy(state) instead, which builds a policy of the saved shape',
        });
      }
      if (!entry || entry.values.length !== numPrompts * numCandidates) {
        throw new PrefplayError({
          code: 'invalid-checkpoint',
          problem: `tabular state weight "logits" is ${entry ? `${entry.values.length} values` : 'missing'}; expected ${numPrompts * numCandidates}`,
          where: { field: 'weights.logits' },
          hint: 'The state is truncated or was not written by a tabular policy; save it again',
        });
      }
      const fresh = tf.tensor2d(entry.values, [numPrompts, numCandidates]);
      logits.assign(fresh);
      fresh.dispose();
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      logits.dispose();
    },
  };
  return policy;
}

const tabularStateConfigSchema = z.object({
  numPrompts: z.number().int().min(1),
  numCandidates: z.number().int().min(1),
  seed: z.number().int().default(0),
  initialScale: z.number().min(0).default(0),
  policyId: z.string().min(1).default('tabular'),
});

function tabularConfigFromState(state: PolicyStateV1): TabularConfig {
  if (state.kind !== 'tabular') {
    throw new PrefplayError({
      code: 'invalid-checkpoint',
      problem: `policy state of kind "${state.kind}" cannot be loaded into a tabular policy`,
      where: { field: 'kind' },
      hint: 'Use restorePolicy(state) to rebuild the policy the state was saved from',
    });
  }
  return parseOptions(tabularStateConfigSchema, state.config, {
    what: 'tabular policy state config',
    fieldPrefix: 'config',
    code: 'invalid-checkpoint',
  });
}

/** Rebuilds a tabular policy from a saved state (trainable, with the state's logits). */
export function restoreTabularPolicy(state: PolicyStateV1): TabularPolicy {
  const config = tabularConfigFromState(state);
  const policy = buildTabular(config, new Float32Array(config.numPrompts * config.numCandidates), true);
  try {
    policy.doLoadState(state);
  } catch (error) {
    policy.dispose();
    throw error;
  }
  return policy;
}
