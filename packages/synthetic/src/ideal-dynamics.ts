import { PrefplayError } from '@prefplay/core';
import { multiplicativeWeights } from '@prefplay/evaluators';
import type { AnnotatorPopulation } from './annotators.js';
import type { SyntheticMeaning } from './parse-response.js';
import { embedMeaning } from './synthetic-encoder.js';
import { trainingMatrix } from './training-oracle.js';

export type IdealDynamicsOptions = {
  readonly population: AnnotatorPopulation;
  /** Topic of the prompt. */
  readonly topic: number;
  /** Meaning types (e.g. a histogram's `types`); the dynamics stays on them. */
  readonly types: readonly SyntheticMeaning[];
  /** Starting probabilities over `types` (e.g. the measured base distribution). */
  readonly start: readonly number[];
  /** κ of the training oracle whose game is played (0 = the truth). */
  readonly overconfidence: number;
  /** Step size of `π_{t+1} ∝ π_t exp(η P(y ≻ π_t))`. */
  readonly eta: number;
  readonly iterations: number;
  /**
   * S-SPPO's semantic gate `g(s)` on the task encoder's similarity (a `Gate` of
   * `@prefplay/preference`, e.g. `linearRampGate`); the game is then the calibrated
   * `M̃ = 1/2 + g(s)(M − 1/2)`. Without it, exact SPPO on the oracle.
   */
  readonly gate?: { readonly apply: (similarity: number) => number };
};

export type IdealDynamics = {
  /** The (calibrated) oracle over `types`, `M[i][j] = P(type i ≻ type j)`. */
  readonly matrix: number[][];
  /** `π_t` over `types` for t = 0..iterations. */
  readonly distributions: number[][];
};

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

/**
 * Exact SPPO (or, with a gate, exact S-SPPO) over meaning types: multiplicative weights on the
 * training oracle's game among the types present at the start. The oracle, the truth and the
 * task's encoder see a response only through its type (meaning and filler count), so
 * `P(y ≻ π)` is the same for every response of a type and this is exactly the response-level update
 * `π_{t+1}(y) ∝ π_t(y) exp(η P(y ≻ π_t))` summed over each type's responses. It cannot create mass
 * on types the start does not have.
 */
export function idealDynamics(options: IdealDynamicsOptions): IdealDynamics {
  const { population, topic, types, start, overconfidence, eta, iterations, gate } = options;
  if (types.length === 0 || start.length !== types.length) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `ideal dynamics got ${types.length} types and ${start.length} starting probabilities`,
      where: { field: 'start' },
      hint: 'Give one probability per type, at least one type',
    });
  }
  const matrix = trainingMatrix(population, topic, types, overconfidence);
  if (gate !== undefined) {
    const embeddings = types.map((t) => embedMeaning(t));
    for (let i = 0; i < types.length; i++) {
      for (let j = i + 1; j < types.length; j++) {
        const s = Math.min(1, Math.max(0, cosine(embeddings[i] as number[], embeddings[j] as number[])));
        const value = 0.5 + gate.apply(s) * (((matrix[i] as number[])[j] as number) - 0.5);
        (matrix[i] as number[])[j] = value;
        (matrix[j] as number[])[i] = 1 - value;
      }
    }
  }
  const run = multiplicativeWeights(matrix, { eta, iterations, initial: [...start] });
  return { matrix, distributions: run.lastIterates };
}
