import { createRng, type PolicyV1, PrefplayError, parseOptions, type TokenIds } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

const tokenIdsSchema = z.array(z.number().int().min(0)).min(1).readonly();

export const supervisedFineTuneOptionsSchema = z.object({
  policy: z.custom<PolicyV1>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { doForward?: unknown }).doForward === 'function' &&
      typeof (value as { trainableVariables?: unknown }).trainableVariables === 'function',
    { message: 'expected a PolicyV1 (an object with doForward and trainableVariables)' },
  ),
  /** Prompt/response pairs; prompts start with BOS, responses usually end with EOS. */
  examples: z
    .array(z.object({ prompt: tokenIdsSchema, response: tokenIdsSchema }))
    .min(1, 'needs at least one example'),
  epochs: z.number().int().min(1),
  batchSize: z.number().int().min(1),
  learningRate: z.number().gt(0).max(10),
  seed: z.number().int(),
  /** Called after every optimiser step with its loss. */
  onStep: z
    .custom<(step: SupervisedFineTuneStep) => void | Promise<void>>((value) => typeof value === 'function')
    .optional(),
  signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal).optional(),
});

export type SupervisedFineTuneOptions = z.input<typeof supervisedFineTuneOptionsSchema>;

export type SupervisedFineTuneStep = {
  /** 0-based step over all epochs. */
  readonly step: number;
  readonly epoch: number;
  /** Mean over the batch of the per-token negative log-likelihood of the response. */
  readonly loss: number;
};

export type SupervisedFineTuneResult = {
  /** Loss of every step, in order. */
  readonly losses: number[];
};

/**
 * Maximum-likelihood fine-tuning on prompt/response pairs with Adam: each step minimises the batch
 * mean of `−log π(response | prompt) / |response|`. Examples are shuffled every epoch with
 * `createRng(seed)`; the last batch of an epoch may be smaller.
 */
export async function supervisedFineTune(options: SupervisedFineTuneOptions): Promise<SupervisedFineTuneResult> {
  const parsed = parseOptions(supervisedFineTuneOptionsSchema, options, { what: 'supervised fine-tune options' });
  const { policy, examples, epochs, batchSize, seed } = parsed;
  const variables = policy.trainableVariables();
  if (variables.length === 0) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: 'invalid supervised fine-tune options: the policy has no trainable variables',
      where: { field: 'policy' },
      hint: 'Fine-tune a trainable policy, not a snapshot',
    });
  }
  const rng = createRng(seed);
  const optimizer = tf.train.adam(parsed.learningRate);
  const losses: number[] = [];
  let step = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = rng.shuffle(examples.map((_, i) => i));
      for (let start = 0; start < order.length; start += batchSize) {
        parsed.signal?.throwIfAborted();
        const batch = order.slice(start, start + batchSize).map((i) => examples[i] as (typeof examples)[number]);
        const prompts: TokenIds[] = batch.map((e) => e.prompt);
        const responses: TokenIds[] = batch.map((e) => e.response);
        const inverseLengths = batch.map((e) => 1 / e.response.length);
        const lossTensor = optimizer.minimize(
          () =>
            tf.tidy(() => {
              const { logps } = policy.doForward({ prompts, responses });
              return tf.neg(tf.mean(tf.mul(logps, tf.tensor1d(inverseLengths)))) as tf.Scalar;
            }),
          true,
          variables as tf.Variable[],
        );
        const loss = lossTensor ? (lossTensor.dataSync()[0] as number) : Number.NaN;
        lossTensor?.dispose();
        if (!Number.isFinite(loss)) {
          throw new PrefplayError({
            code: 'numerical',
            problem: `supervised fine-tuning loss became ${loss} at step ${step} (epoch ${epoch})`,
            hint: 'Lower the learning rate',
          });
        }
        losses.push(loss);
        await parsed.onStep?.({ step, epoch, loss });
        step++;
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { losses };
}
