import type { SemanticEncoderV1 } from '@prefplay/core';
import type { DomainCodec } from './domain-codec.js';
import type { SyntheticMeaning } from './parse-response.js';
import { numContexts, numQualities, numTopics } from './vocabulary.js';

/** Embedding width: one axis per topic, quality and context group, plus one for malformed text. */
export const encoderDimension = numTopics + numQualities + numContexts + 1;

/**
 * The embedding of a parsed response: a well-formed claim is the normalised sum of the one-hot
 * vectors of its topic, quality and context groups (so cosine = shared slots / 3); every malformed
 * response is the last axis. Synonyms and fillers do not move it.
 */
export function embedMeaning(meaning: SyntheticMeaning): number[] {
  const v = new Array<number>(encoderDimension).fill(0);
  const claim = meaning.claim;
  if (!meaning.wellFormed || claim === undefined) {
    v[encoderDimension - 1] = 1;
    return v;
  }
  const w = 1 / Math.sqrt(3);
  v[claim.topic] = w;
  v[numTopics + claim.quality] = w;
  v[numTopics + numQualities + claim.context] = w;
  return v;
}

/**
 * The domain's sentence-embedding model: a bag of synonym groups. Same meaning → cosine 1; claims
 * sharing two of their three slots → 2/3, one → 1/3; malformed responses share one vector of their
 * own, orthogonal to every claim.
 */
export function createSyntheticEncoder(options: {
  readonly codec: DomainCodec;
  readonly encoderId?: string;
}): SemanticEncoderV1 {
  const { codec } = options;
  return {
    specificationVersion: 'v1',
    encoderId: options.encoderId ?? 'synthetic-meaning-encoder',
    async doEncode({ responses }) {
      return responses.map((r) => embedMeaning(codec.meaningOf(r)));
    },
  };
}
