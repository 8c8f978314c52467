import type { PreferenceMatrix, PreferenceOracleV1 } from '@prefplay/core';
import type { AnnotatorPopulation } from './annotators.js';
import type { DomainCodec } from './domain-codec.js';
import { truthMatrix } from './true-preference.js';

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * The judge training sees. On responses that differ in meaning it equals the true preference; on
 * responses with the same meaning (same claim, or both malformed) it prefers the one with more
 * filler words, overconfidently: `P(i ≻ j) = σ(κ·(f_i − f_j))`, `κ = overconfidence`. With
 * `overconfidence = 0` it is exactly the true preference.
 */
export function createTrainingOracle(options: {
  readonly codec: DomainCodec;
  readonly population: AnnotatorPopulation;
  readonly overconfidence: number;
  readonly oracleId?: string;
}): PreferenceOracleV1 {
  const { codec, population, overconfidence } = options;
  return {
    specificationVersion: 'v1',
    oracleId: options.oracleId ?? `synthetic-training-oracle(overconfidence=${overconfidence})`,
    async doCompare({ prompt, responses }): Promise<PreferenceMatrix> {
      const topic = codec.topicOf(prompt);
      const meanings = responses.map((r) => codec.meaningOf(r));
      const m = truthMatrix(population, topic, meanings);
      for (let i = 0; i < meanings.length; i++) {
        for (let j = i + 1; j < meanings.length; j++) {
          const a = meanings[i];
          const b = meanings[j];
          if (a === undefined || b === undefined || a.key !== b.key) continue;
          const p = sigmoid(overconfidence * (a.fillerCount - b.fillerCount));
          (m[i] as number[])[j] = p;
          (m[j] as number[])[i] = 1 - p;
        }
      }
      return m;
    },
  };
}
