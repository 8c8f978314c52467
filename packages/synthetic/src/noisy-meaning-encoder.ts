import { createRng, parseOptions, type SemanticEncoderV1, type TokenIds } from '@prefplay/core';
import { z } from 'zod';
import type { SyntheticTask } from './create-synthetic-task.js';
import { claimKey, malformedKey, type SyntheticMeaning } from './parse-response.js';
import { embedMeaning } from './synthetic-encoder.js';
import { claimsPerTopic, numContexts } from './vocabulary.js';

export const noisyMeaningEncoderOptionsSchema = z
  .object({
    task: z.custom<SyntheticTask>(
      (value) => typeof value === 'object' && value !== null && 'meaningOf' in value && 'topicOf' in value,
      { message: 'expected a SyntheticTask' },
    ),
    /** Share of responses whose meaning the encoder gets wrong. */
    errorRate: z.number().min(0).max(1),
    /** Seeds which responses are misread and what they are read as. */
    seed: z.number().int().min(0).default(0),
    encoderId: z.string().min(1).optional(),
  })
  .strict();

export type NoisyMeaningEncoderOptions = z.input<typeof noisyMeaningEncoderOptionsSchema>;

function hashTokens(tokens: TokenIds, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const token of tokens) {
    h ^= token & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= token >>> 8;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The meaning a noisy encoder reads from a response: its true meaning, except for a share
 * `errorRate` of responses (chosen by a hash of the tokens and the seed, so the same response is
 * always read the same way), which are read as one of the ten meanings of the topic (its nine
 * claims or malformed), drawn uniformly, the true one included.
 */
export function misreadMeaning(
  meaning: SyntheticMeaning,
  tokens: TokenIds,
  options: { readonly errorRate: number; readonly seed: number; readonly topic: number },
): SyntheticMeaning {
  const rng = createRng(hashTokens(tokens, options.seed));
  if (!(rng.next() < options.errorRate)) return meaning;
  const topic = meaning.claim?.topic ?? options.topic;
  const pick = rng.int(claimsPerTopic + 1);
  if (pick === claimsPerTopic) {
    return { wellFormed: false, terminated: meaning.terminated, key: malformedKey, fillerCount: 0, length: 0 };
  }
  const claim = { topic, quality: Math.floor(pick / numContexts), context: pick % numContexts };
  return { wellFormed: true, terminated: true, claim, key: claimKey(claim), fillerCount: 0, length: 6 };
}

/**
 * A family of imperfect semantic encoders with a controlled error rate: the task's meaning encoder
 * (`embedMeaning`) applied to `misreadMeaning`. At `errorRate: 0` it is the task's encoder; a
 * misread response loses its paraphrases (misses) and may join another meaning (false matches).
 */
export function createNoisyMeaningEncoder(options: NoisyMeaningEncoderOptions): SemanticEncoderV1 {
  const { task, errorRate, seed, encoderId } = parseOptions(noisyMeaningEncoderOptionsSchema, options, {
    what: 'noisy meaning encoder options',
  });
  return {
    specificationVersion: 'v1',
    encoderId: encoderId ?? `synthetic-noisy-meaning-encoder(errorRate=${errorRate},seed=${seed})`,
    async doEncode({ responses, prompt }) {
      const topic = prompt !== undefined ? task.topicOf(prompt) : 0;
      return responses.map((r) =>
        embedMeaning(misreadMeaning(task.meaningOf(r), r.tokens, { errorRate, seed, topic })),
      );
    },
  };
}
