import { PrefplayError, type Rng } from '@prefplay/core';

/** How one next-token distribution is shaped before drawing from it. */
export type LogitsProcessing = {
  /** Divides the logits; 0 means greedy (argmax, lowest index on ties). */
  readonly temperature: number;
  /** Keep only the k most likely tokens (ties broken by lowest index). */
  readonly topK?: number | undefined;
  /** Keep the smallest set of most likely tokens whose probability reaches topP (after top-k). */
  readonly topP?: number | undefined;
};

export type DrawnToken = {
  readonly token: number;
  /** Log-probability of the token under the distribution it was drawn from (0 when greedy). */
  readonly logprob: number;
};

/**
 * The distribution a sampler draws from, as probabilities over the vocabulary (float64, zero outside
 * the kept set): `softmax(logits / temperature)`, cut to the top-k tokens, then to the top-p nucleus,
 * then renormalised. With temperature 0 it is a point mass on the argmax.
 */
export function samplingDistribution(logits: ArrayLike<number>, processing: LogitsProcessing): Float64Array {
  const n = logits.length;
  const probs = new Float64Array(n);
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = logits[i] as number;
    if (Number.isNaN(v) || v === Number.POSITIVE_INFINITY) {
      throw new PrefplayError({
        code: 'numerical',
        problem: `next-token logit ${i} is ${v}`,
        hint: 'The model produced non-finite logits; check its weights or lower the learning rate that trained it',
      });
    }
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  if (best < 0) {
    throw new PrefplayError({
      code: 'numerical',
      problem: 'every next-token logit is -Infinity, so no token can be drawn',
      hint: 'Check the masking applied to the logits',
    });
  }
  if (processing.temperature === 0) {
    probs[best] = 1;
    return probs;
  }
  for (let i = 0; i < n; i++) probs[i] = Math.exp(((logits[i] as number) - bestValue) / processing.temperature);
  const topK = processing.topK;
  const topP = processing.topP;
  const cutK = topK !== undefined && topK < n;
  const cutP = topP !== undefined && topP < 1;
  if (cutK || cutP) {
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => (probs[b] as number) - (probs[a] as number) || a - b,
    );
    let keep = cutK ? (topK as number) : n;
    if (cutP) {
      let total = 0;
      for (let r = 0; r < keep; r++) total += probs[order[r] as number] as number;
      let cumulative = 0;
      let r = 0;
      for (; r < keep; r++) {
        cumulative += probs[order[r] as number] as number;
        if (cumulative >= (topP as number) * total) break;
      }
      keep = Math.min(keep, r + 1);
    }
    for (let r = keep; r < n; r++) probs[order[r] as number] = 0;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += probs[i] as number;
  for (let i = 0; i < n; i++) probs[i] = (probs[i] as number) / sum;
  return probs;
}

/** Draws one token from `samplingDistribution(logits, processing)` with `rng`. */
export function sampleFromLogits(logits: ArrayLike<number>, processing: LogitsProcessing, rng: Rng): DrawnToken {
  const probs = samplingDistribution(logits, processing);
  if (processing.temperature === 0) {
    return { token: probs.indexOf(1), logprob: 0 };
  }
  const token = rng.categorical(probs);
  return { token, logprob: Math.log(probs[token] as number) };
}
