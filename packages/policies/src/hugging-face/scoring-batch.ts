import { PrefplayError, type TokenIds } from '@prefplay/core';
import { checkTokens } from '../cached-decoding.js';

const file = 'packages/policies/src/hugging-face/scoring-batch.ts';

/** Prompt + response rows laid out for one teacher-forced forward pass (right-padded). */
export type ScoringBatch = {
  readonly batch: number;
  readonly time: number;
  /** `[batch·time]` tokens and positions. */
  readonly tokenIds: Int32Array;
  readonly positionIds: Int32Array;
  /** Flat rows (`b·time + t`) whose next token is a response token, row by row. */
  readonly scoredRows: Int32Array;
  /** The response token each scored row predicts. */
  readonly targets: Int32Array;
  /** `[batch, scored]` 1 where a scored row belongs to the batch row (sums per-token log-probs). */
  readonly membership: Float32Array;
  readonly responseLengths: readonly number[];
  readonly maxResponse: number;
  /** `[batch·maxResponse]` index into the scored rows, or `scored` (a zero slot) at padding. */
  readonly tokenIndex: Int32Array;
  /** `[batch·maxResponse]` 1 at response tokens. */
  readonly responseMask: Float32Array;
  /** `[batch·time]` 1 at response-token positions (for pooling hidden states). */
  readonly responsePositions: Float32Array;
};

/**
 * Lays out prompt/response rows, checking that every prompt is non-empty, every row fits in the
 * context and every token is in the vocabulary (errors name the row and what to do).
 */
export function scoringBatch(
  prompts: readonly TokenIds[],
  responses: readonly TokenIds[],
  limits: { readonly vocabSize: number; readonly maxSequenceLength: number; readonly policyId: string },
): ScoringBatch {
  if (prompts.length !== responses.length || prompts.length === 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `doForward needs as many prompts as responses and at least one row (got ${prompts.length} prompts, ${responses.length} responses)`,
      where: { file, field: 'responses' },
      hint: 'Pass one prompt per response row',
    });
  }
  const batch = prompts.length;
  const lengths = prompts.map((prompt, b) => {
    const response = responses[b] as TokenIds;
    if (prompt.length === 0) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `prompt ${b} is empty, so its first response token has nothing to be conditioned on`,
        where: { file, field: `prompts[${b}]` },
        hint: "Encode prompts with the tokenizer's special tokens (e.g. BOS) or give them some text",
      });
    }
    const total = prompt.length + response.length;
    if (total > limits.maxSequenceLength) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `row ${b}: prompt (${prompt.length} tokens) + response (${response.length} tokens) = ${total} tokens, longer than the context of ${limits.policyId} (${limits.maxSequenceLength} tokens)`,
        where: { file, field: `responses[${b}]` },
        hint: 'Shorten the prompt or the response (e.g. lower maxNewTokens)',
      });
    }
    checkTokens(prompt, limits.vocabSize, `prompts[${b}]`);
    checkTokens(response, limits.vocabSize, `responses[${b}]`);
    return total;
  });
  const time = Math.max(...lengths);
  const responseLengths = responses.map((r) => r.length);
  const maxResponse = Math.max(1, ...responseLengths);
  const scored = responseLengths.reduce((a, b) => a + b, 0);
  const tokenIds = new Int32Array(batch * time);
  const positionIds = new Int32Array(batch * time);
  const scoredRows = new Int32Array(scored);
  const targets = new Int32Array(scored);
  const membership = new Float32Array(batch * scored);
  const tokenIndex = new Int32Array(batch * maxResponse).fill(scored);
  const responseMask = new Float32Array(batch * maxResponse);
  const responsePositions = new Float32Array(batch * time);
  let next = 0;
  prompts.forEach((prompt, b) => {
    const response = responses[b] as TokenIds;
    const base = b * time;
    for (let t = 0; t < time; t++) {
      tokenIds[base + t] = (t < prompt.length ? prompt[t] : response[t - prompt.length]) ?? 0;
      positionIds[base + t] = t;
    }
    // Position t predicts token t + 1; response token j sits at prompt.length + j.
    for (let j = 0; j < response.length; j++) {
      scoredRows[next] = base + prompt.length - 1 + j;
      targets[next] = response[j] as number;
      membership[b * scored + next] = 1;
      tokenIndex[b * maxResponse + j] = next;
      responseMask[b * maxResponse + j] = 1;
      responsePositions[base + prompt.length + j] = 1;
      next++;
    }
  });
  return {
    batch,
    time,
    tokenIds,
    positionIds,
    scoredRows,
    targets,
    membership,
    responseLengths,
    maxResponse,
    tokenIndex,
    responseMask,
    responsePositions,
  };
}
