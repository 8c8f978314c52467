import type { PreferenceMatrix, PreferenceOracleV1 } from '@prefplay/core';
import { type AnnotatorPopulation, annotatorUtility, majorityMatrix, numAnnotators } from './annotators.js';
import type { DomainCodec } from './domain-codec.js';
import type { SyntheticMeaning } from './parse-response.js';

/**
 * The true preference of the domain: the majority of the annotator population (share of the three
 * annotators preferring a response, ties one half). It reads meaning only: two responses with the
 * same meaning are exactly 1/2 whatever their fillers or length; malformed responses lose to
 * well-formed ones, off-topic ones to on-topic ones.
 */
export function createTruePreference(options: {
  readonly codec: DomainCodec;
  readonly population: AnnotatorPopulation;
  readonly oracleId?: string;
}): PreferenceOracleV1 {
  const { codec, population } = options;
  return {
    specificationVersion: 'v1',
    oracleId: options.oracleId ?? 'synthetic-true-preference',
    async doCompare({ prompt, responses }): Promise<PreferenceMatrix> {
      const topic = codec.topicOf(prompt);
      return truthMatrix(
        population,
        topic,
        responses.map((r) => codec.meaningOf(r)),
      );
    },
  };
}

/** The true preference matrix of parsed responses to a prompt on `topic`. */
export function truthMatrix(
  population: AnnotatorPopulation,
  topic: number,
  meanings: readonly SyntheticMeaning[],
): number[][] {
  const utilities = Array.from({ length: numAnnotators }, (_, k) =>
    meanings.map((meaning) => annotatorUtility(population, k, topic, meaning)),
  );
  return majorityMatrix(utilities);
}
