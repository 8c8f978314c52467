import type { PromptV1, ResponseV1, SemanticEncoderV1 } from '@prefplay/core';
import { PrefplayError } from '@prefplay/core';
import { assertConstantSum } from './constant-sum.js';
import type { Gate } from './gate.js';
import { similarityMatrix } from './similarity-matrix.js';

/** A calibrated matrix with the similarities and gate values that produced it, for reporting. */
export type Calibration = {
  readonly matrix: number[][];
  readonly similarity: number[][];
  readonly gateValues: number[][];
};

/** Largest tolerated |s_ij − s_ji|. */
const similarityTolerance = 1e-6;

/**
 * Semantic gating (S-SPPO supervision calibration, method §3) with its intermediate values:
 * `M̃_ij = 1/2 + g(s_ij)·(M_ij − 1/2)`. Because `s` and `g(s)` are symmetric, `M̃` is again
 * constant-sum. Throws when `matrix` is not constant-sum, the shapes differ or `similarity` is not
 * symmetric (within 1e-6, naming the first cell that is not).
 */
export function calibrateDetailed(
  matrix: readonly (readonly number[])[],
  similarity: readonly (readonly number[])[],
  gate: Gate,
): Calibration {
  assertConstantSum(matrix, 'calibrate: matrix', 1e-6);
  const k = matrix.length;
  if (similarity.length !== k || similarity.some((row) => row.length !== k)) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `calibrate: the similarity matrix must be ${k}×${k} like the preference matrix`,
      where: { field: 'similarity' },
    });
  }
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const sij = (similarity[i] as readonly number[])[j] as number;
      const sji = (similarity[j] as readonly number[])[i] as number;
      if (!(Math.abs(sij - sji) <= similarityTolerance)) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `calibrate: the similarity matrix is not symmetric: similarity[${i}][${j}] = ${sij} but similarity[${j}][${i}] = ${sji} (tolerance ${similarityTolerance}), so the calibrated matrix would not be constant-sum`,
          where: { field: `similarity[${i}][${j}]` },
          hint: 'Similarities must satisfy s_ij = s_ji, as similarityMatrix(embeddings) gives; average an asymmetric one with its transpose, (S + Sᵀ)/2',
        });
      }
    }
  }
  const gateValues = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const out = Array.from({ length: k }, () => new Array<number>(k).fill(0.5));
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const s = (similarity[i] as readonly number[])[j] as number;
      const g = gate.apply(s);
      if (!(g >= 0 && g <= 1)) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `calibrate: gate "${gate.gateId}" returned ${g} for similarity ${s} at (${i}, ${j})`,
          where: { field: `similarity[${i}][${j}]` },
        });
      }
      (gateValues[i] as number[])[j] = g;
      (out[i] as number[])[j] = 0.5 + g * (((matrix[i] as readonly number[])[j] as number) - 0.5);
    }
  }
  return { matrix: out, similarity: similarity.map((row) => row.slice()), gateValues };
}

/** `M̃ = 1/2 + g(S) ⊙ (M − 1/2)`, elementwise (method §3). */
export function calibrate(
  matrix: readonly (readonly number[])[],
  similarity: readonly (readonly number[])[],
  gate: Gate,
): number[][] {
  return calibrateDetailed(matrix, similarity, gate).matrix;
}

/** Encodes the responses, builds their similarity matrix and calibrates `matrix` with `gate`. */
export async function calibrateWithEncoder(options: {
  readonly matrix: readonly (readonly number[])[];
  readonly responses: readonly ResponseV1[];
  readonly encoder: SemanticEncoderV1;
  readonly gate: Gate;
  readonly prompt?: PromptV1;
  readonly signal?: AbortSignal;
}): Promise<Calibration> {
  const { matrix, responses, encoder, gate, prompt, signal } = options;
  const embeddings = await encoder.doEncode({
    responses,
    ...(prompt !== undefined ? { prompt } : {}),
    ...(signal !== undefined ? { signal } : {}),
  });
  if (embeddings.length !== responses.length) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `encoder "${encoder.encoderId}" returned ${embeddings.length} embeddings for ${responses.length} responses`,
    });
  }
  return calibrateDetailed(matrix, similarityMatrix(embeddings), gate);
}
