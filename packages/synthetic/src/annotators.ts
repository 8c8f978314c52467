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
  /**
   * Utility each annotator loses per filler token (`paddingWeight` for the first `concision`
   * annotators, 0 for the others). Too small to override any difference in meaning, it only orders
   * responses that are otherwise tied: paraphrases of one claim, off-topic or malformed responses.
   */
  readonly paddingPenalty: readonly number[];
};

/** Tier offsets: malformed < well-formed off-topic < well-formed on-topic, shared by all annotators. */
const offTopicTier = 100;
const onTopicTier = 200;
const contextWeight = 0.1;
/**
 * Utility per filler token of an annotator who dislikes padding. A response has fewer than 100
 * fillers (`maxNewTokens` ≤ 64), so the penalty stays below the 0.1 between two contexts.
 */
export const paddingWeight = 0.001;

/**
 * Draws the population. `concision` (0 to 3, default 0) is the number of annotators who prefer
 * the concise one of two paraphrases; with one, the truth prefers it 2 to 1 (a minority verdict,
 * `P = 2/3`), with none it is exactly indifferent between paraphrases.
 */
export function drawAnnotators(rng: Rng, options: { readonly concision?: number } = {}): AnnotatorPopulation {
  const concision = options.concision ?? 0;
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
  const paddingPenalty = Array.from({ length: numAnnotators }, (_, k) => (k < concision ? paddingWeight : 0));
  return { cycle, qualityRank, contextRank, paddingPenalty };
}

/** Utility of a parsed response to annotator `k` for a prompt on `promptTopic`. */
export function annotatorUtility(
  population: AnnotatorPopulation,
  k: number,
  promptTopic: number,
  meaning: SyntheticMeaning,
): number {
  const claim = meaning.claim;
  const padding = (population.paddingPenalty[k] ?? 0) * meaning.fillerCount;
  if (!meaning.wellFormed || claim === undefined) return -padding;
  if (claim.topic !== promptTopic) return offTopicTier - padding;
  const quality = population.qualityRank[promptTopic]?.[k]?.[claim.quality] ?? 0;
  const context = population.contextRank[promptTopic]?.[k]?.[claim.context] ?? 0;
  return onTopicTier + quality + contextWeight * context - padding;
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
