import type { Rng } from '@prefplay/core';
import type { SyntheticMeaning } from './parse-response.js';
import { numContexts, numQualities, numTopics } from './vocabulary.js';

/** Number of annotators in the population that defines the true preference. */
export const numAnnotators = 3;

/**
 * The annotator population. Each annotator has a transitive utility over responses; the true
 * preference is their majority. Per topic `t`:
 * - `qualityRank[t][k][q] = (cycle[t][q] + k) mod 3`: a Latin square, so over qualities the
 *   majority is a rock-paper-scissors cycle (each quality beats one other by 2 annotators to 1);
 * - `contextRank[t][k]` is a random permutation of the contexts, weighted 0.1 so that it only
 *   orders claims of equal quality.
 */
export type AnnotatorPopulation = {
  readonly cycle: readonly (readonly number[])[];
  readonly qualityRank: readonly (readonly (readonly number[])[])[];
  readonly contextRank: readonly (readonly (readonly number[])[])[];
};

/** Tier offsets: malformed < well-formed off-topic < well-formed on-topic, shared by all annotators. */
const offTopicTier = 100;
const onTopicTier = 200;
const contextWeight = 0.1;

export function drawAnnotators(rng: Rng): AnnotatorPopulation {
  const qualities = Array.from({ length: numQualities }, (_, q) => q);
  const contexts = Array.from({ length: numContexts }, (_, c) => c);
  const cycle: number[][] = [];
  const qualityRank: number[][][] = [];
  const contextRank: number[][][] = [];
  for (let t = 0; t < numTopics; t++) {
    const order = rng.shuffle(qualities);
    cycle.push(order);
    qualityRank.push(
      Array.from({ length: numAnnotators }, (_, k) => qualities.map((q) => ((order[q] ?? 0) + k) % numQualities)),
    );
    contextRank.push(Array.from({ length: numAnnotators }, () => rng.shuffle(contexts)));
  }
  return { cycle, qualityRank, contextRank };
}

/** Utility of a parsed response to annotator `k` for a prompt on `promptTopic`. */
export function annotatorUtility(
  population: AnnotatorPopulation,
  k: number,
  promptTopic: number,
  meaning: SyntheticMeaning,
): number {
  const claim = meaning.claim;
  if (!meaning.wellFormed || claim === undefined) return 0;
  if (claim.topic !== promptTopic) return offTopicTier;
  const quality = population.qualityRank[promptTopic]?.[k]?.[claim.quality] ?? 0;
  const context = population.contextRank[promptTopic]?.[k]?.[claim.context] ?? 0;
  return onTopicTier + quality + contextWeight * context;
}

/**
 * The population's preference matrix: `M[i][j]` is the share of annotators whose utility of `i`
 * exceeds that of `j`, a tie counting one half (the `hard` population semantics). Computed on the
 * upper triangle and mirrored, so `M + Mᵀ = 1` and `diag(M) = 1/2` hold exactly.
 */
export function majorityMatrix(utilities: readonly (readonly number[])[]): number[][] {
  const n = utilities[0]?.length ?? 0;
  const m = Array.from({ length: n }, () => new Array<number>(n).fill(0.5));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let votes = 0;
      for (const u of utilities) {
        const ui = u[i] ?? 0;
        const uj = u[j] ?? 0;
        votes += ui > uj ? 1 : ui === uj ? 0.5 : 0;
      }
      const p = votes / utilities.length;
      (m[i] as number[])[j] = p;
      (m[j] as number[])[i] = 1 - p;
    }
  }
  return m;
}
