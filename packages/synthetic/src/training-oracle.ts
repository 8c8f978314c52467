import type { PreferenceMatrix, PreferenceOracleV1 } from '@prefplay/core';
import type { AnnotatorPopulation } from './annotators.js';
import type { DomainCodec } from './domain-codec.js';
import type { SyntheticMeaning } from './parse-response.js';
import { truthMatrix } from './true-preference.js';

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * The oracle's verdict on two responses with the same meaning: the truth's `P` plus a surface
 * bonus of `κ` per extra filler token in logit space, `σ(logit P + κ·(f_i − f_j))`. A certain
 * verdict of the truth (0 or 1) stays as it is; with `κ = 0` this is the truth.
 */
export function overconfidentVerdict(truth: number, overconfidence: number, fillerDifference: number): number {
  if (truth <= 0 || truth >= 1 || overconfidence === 0) return truth;
  return sigmoid(Math.log(truth / (1 - truth)) + overconfidence * fillerDifference);
}

/**
 * The judge training sees. On responses that differ in meaning it equals the true preference; on
 * responses with the same meaning (same claim, or both malformed) it adds an overconfident bonus
 * for filler words to the truth's verdict: `P(i ≻ j) = σ(logit P_truth(i ≻ j) + κ·(f_i − f_j))`,
 * `κ = overconfidence`. With a truth indifferent between paraphrases (`concision: 0`) that is
 * `σ(κ·(f_i − f_j))`. With `overconfidence = 0` it is exactly the true preference.
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
      return trainingMatrix(
        population,
        codec.topicOf(prompt),
        responses.map((r) => codec.meaningOf(r)),
        overconfidence,
      );
    },
  };
}

/** The training oracle's matrix over parsed responses to a prompt on `topic`. */
export function trainingMatrix(
  population: AnnotatorPopulation,
  topic: number,
  meanings: readonly SyntheticMeaning[],
  overconfidence: number,
): number[][] {
  const m = truthMatrix(population, topic, meanings);
  for (let i = 0; i < meanings.length; i++) {
    for (let j = i + 1; j < meanings.length; j++) {
      const a = meanings[i];
      const b = meanings[j];
      if (a === undefined || b === undefined || a.key !== b.key) continue;
      const p = overconfidentVerdict((m[i] as number[])[j] as number, overconfidence, a.fillerCount - b.fillerCount);
      (m[i] as number[])[j] = p;
      (m[j] as number[])[i] = 1 - p;
    }
  }
  return m;
}
