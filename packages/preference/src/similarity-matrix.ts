import { PrefplayError } from '@prefplay/core';

/**
 * Semantic overlap of K responses from their embeddings: `s_ij = clip(cos(e_i, e_j), 0, 1)`,
 * symmetric, `s_ii = 1`. A zero vector has similarity 0 to everything else.
 */
export function similarityMatrix(embeddings: readonly (readonly number[])[]): number[][] {
  const k = embeddings.length;
  const dim = embeddings[0]?.length ?? 0;
  const norms = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const e = embeddings[i] as readonly number[];
    if (!Array.isArray(e) || e.length !== dim) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `similarityMatrix: embedding ${i} has ${Array.isArray(e) ? e.length : 'no'} dimensions, embedding 0 has ${dim}`,
        where: { field: `embeddings[${i}]` },
        hint: 'All embeddings must come from the same encoder',
      });
    }
    let sq = 0;
    for (let d = 0; d < dim; d++) {
      const v = e[d] as number;
      if (!Number.isFinite(v)) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `similarityMatrix: embedding ${i} has a non-finite value ${v} at dimension ${d}`,
          where: { field: `embeddings[${i}][${d}]` },
        });
      }
      sq += v * v;
    }
    norms[i] = Math.sqrt(sq);
  }
  const out = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < k; i++) {
    (out[i] as number[])[i] = 1;
    const a = embeddings[i] as readonly number[];
    for (let j = i + 1; j < k; j++) {
      const b = embeddings[j] as readonly number[];
      const denominator = (norms[i] as number) * (norms[j] as number);
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += (a[d] as number) * (b[d] as number);
      const cos = denominator > 0 ? dot / denominator : 0;
      const s = Math.min(1, Math.max(0, cos));
      (out[i] as number[])[j] = s;
      (out[j] as number[])[i] = s;
    }
  }
  return out;
}
