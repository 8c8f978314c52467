import { createRng, parseOptions, type SemanticEncoderV1, type TokenIds } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { SyntheticTask } from './create-synthetic-task.js';

export const contrastiveEncoderOptionsSchema = z
  .object({
    /** Embedding width. */
    dimension: z.number().int().min(2).max(256).default(16),
    /** Adam steps. */
    steps: z.number().int().min(1).max(100_000).default(200),
    /** Paraphrase pairs per step (2 × batchSize responses). */
    batchSize: z.number().int().min(2).max(1024).default(32),
    learningRate: z.number().positive().max(1).default(0.02),
    /** Softmax temperature of the contrastive loss. */
    temperature: z.number().positive().max(10).default(0.1),
    seed: z.number().int().min(0).default(0),
  })
  .strict();

export type ContrastiveEncoderOptions = z.input<typeof contrastiveEncoderOptionsSchema>;

export type ContrastiveEncoder = SemanticEncoderV1 & {
  /** Contrastive loss of every step. */
  readonly losses: readonly number[];
  /** `[vocabSize, dimension]` word embeddings (a copy). */
  embeddingTable(): number[][];
  dispose(): void;
};

/** Bag-of-words rows: token counts of each response (EOS and anything after dropped) over its length. */
function bagOfWords(responses: readonly TokenIds[], vocabSize: number, eosId: number): Float32Array {
  const out = new Float32Array(responses.length * vocabSize);
  responses.forEach((tokens, i) => {
    const end = tokens.indexOf(eosId);
    const words = end >= 0 ? tokens.slice(0, end) : tokens;
    for (const token of words) {
      if (token >= 0 && token < vocabSize)
        out[i * vocabSize + token] = (out[i * vocabSize + token] as number) + 1 / words.length;
    }
  });
  return out;
}

/** Unit-norm embeddings `normalise(bag · E)`; the caller owns the result. */
function embed(bag: tf.Tensor2D, table: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const z = tf.matMul(bag, table);
    return tf.div(z, tf.add(tf.norm(z, 2, 1, true), 1e-8)) as tf.Tensor2D;
  });
}

/**
 * A small learned sentence encoder, trained like a sentence-embedding model on the task's SFT
 * corpus: mean-pooled word embeddings, normalised, trained with a supervised contrastive loss
 * (SupCon) in which two corpus responses stating the same claim are a positive pair and every other
 * response of the batch a negative. It learns synonyms and fillers only from the corpus's
 * paraphrases, is blind to word order, and has never seen a malformed response: a realistic,
 * imperfect encoder for S-SPPO's gate. Deterministic in `seed`.
 */
export function trainContrastiveEncoder(
  task: SyntheticTask,
  options: ContrastiveEncoderOptions = {},
): ContrastiveEncoder {
  const parsed = parseOptions(contrastiveEncoderOptionsSchema, options, { what: 'contrastive encoder options' });
  const vocabSize = task.tokenizer.vocabSize;
  const eosId = task.tokenizer.eosId;
  const rng = createRng(parsed.seed);
  const init = rng.fork('init');
  const initial = tf.tensor2d(
    Float32Array.from({ length: vocabSize * parsed.dimension }, () => init.normal() / Math.sqrt(parsed.dimension)),
    [vocabSize, parsed.dimension],
  );
  const table = tf.variable(initial, true);
  initial.dispose();
  const byKey = new Map<string, TokenIds[]>();
  for (const example of task.sftExamples) {
    const key = task.meaningOf({ tokens: example.response }).key;
    const list = byKey.get(key) ?? [];
    list.push(example.response);
    byKey.set(key, list);
  }
  const keys = [...byKey.keys()].sort();
  const examples = keys.flatMap((key, label) => (byKey.get(key) ?? []).map((tokens) => ({ tokens, label })));
  const optimizer = tf.train.adam(parsed.learningRate);
  const losses: number[] = [];
  const batchRng = rng.fork('batches');
  try {
    for (let step = 0; step < parsed.steps; step++) {
      const responses: TokenIds[] = [];
      const labels: number[] = [];
      for (let b = 0; b < parsed.batchSize; b++) {
        const anchor = examples[batchRng.int(examples.length)] as (typeof examples)[number];
        const group = byKey.get(keys[anchor.label] as string) ?? [];
        responses.push(anchor.tokens, group[batchRng.int(group.length)] as TokenIds);
        labels.push(anchor.label, anchor.label);
      }
      const n = responses.length;
      const positives = new Float32Array(n * n);
      const selfMask = new Float32Array(n * n);
      for (let i = 0; i < n; i++) {
        let count = 0;
        for (let j = 0; j < n; j++) if (j !== i && labels[j] === labels[i]) count++;
        for (let j = 0; j < n; j++) {
          if (j === i) selfMask[i * n + j] = -1e9;
          else if (labels[j] === labels[i]) positives[i * n + j] = 1 / count;
        }
      }
      const loss = tf.tidy(() => {
        const bag = tf.tensor2d(bagOfWords(responses, vocabSize, eosId), [n, vocabSize]);
        const target = tf.tensor2d(positives, [n, n]);
        const mask = tf.tensor2d(selfMask, [n, n]);
        const value = optimizer.minimize(
          () => {
            const z = embed(bag, table);
            const logits = tf.add(tf.div(tf.matMul(z, tf.transpose(z)), parsed.temperature), mask);
            const logProbabilities = tf.logSoftmax(logits);
            return tf.neg(tf.mean(tf.sum(tf.mul(target, logProbabilities), 1))) as tf.Scalar;
          },
          true,
          [table],
        );
        return value?.dataSync()[0] ?? Number.NaN;
      });
      losses.push(loss);
    }
  } catch (error) {
    table.dispose();
    throw error;
  } finally {
    optimizer.dispose();
  }
  return {
    specificationVersion: 'v1',
    encoderId: `synthetic-contrastive-encoder(d=${parsed.dimension},steps=${parsed.steps},seed=${parsed.seed})`,
    losses,
    embeddingTable: () => table.arraySync() as number[][],
    async doEncode({ responses }) {
      const values = tf.tidy(() => {
        const bag = tf.tensor2d(
          bagOfWords(
            responses.map((r) => r.tokens),
            vocabSize,
            eosId,
          ),
          [responses.length, vocabSize],
        );
        return embed(bag, table).arraySync();
      });
      return values;
    },
    dispose: () => table.dispose(),
  };
}
