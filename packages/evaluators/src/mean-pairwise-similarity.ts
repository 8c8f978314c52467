import { PrefplayError } from '@prefplay/core';

/**
 * Mean cosine similarity over all unordered pairs `i < j` of the embeddings (normalised here, so
 * they need not be unit vectors). NaN for fewer than two embeddings.
 */
export function meanPairwiseSimilarity(embeddings: readonly (readonly number[])[]): number {
  if (!Array.isArray(embeddings)) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'expected an array of embeddings',
      where: { field: 'embeddings' },
    });
  }
  const dimension = embeddings[0]?.length ?? 0;
  const normalised = embeddings.map((vector, i) => {
    if (!Array.isArray(vector) || vector.length !== dimension) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `embedding has ${Array.isArray(vector) ? vector.length : 'no'} entries, expected ${dimension}`,
        where: { field: `embeddings[${i}]` },
      });
    }
    const norm = Math.hypot(...vector);
    if (!(norm > 0) || !Number.isFinite(norm)) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `embedding has norm ${norm}`,
        where: { field: `embeddings[${i}]` },
        hint: 'Embeddings must be finite and non-zero',
      });
    }
    return vector.map((x) => x / norm);
  });
  const k = normalised.length;
  if (k < 2) return Number.NaN;
  let total = 0;
  for (let i = 0; i < k; i++) {
    const a = normalised[i] as number[];
    for (let j = i + 1; j < k; j++) {
      const b = normalised[j] as number[];
      let dot = 0;
      for (let d = 0; d < dimension; d++) dot += (a[d] as number) * (b[d] as number);
      total += dot;
    }
  }
  return total / ((k * (k - 1)) / 2);
}
