import { type EvaluatorV1, eosTokenIdsSchema, parseOptions, type SemanticEncoderV1 } from '@prefplay/core';
import { z } from 'zod';
import { distinctN } from './distinct-n.js';
import { eosStripper } from './eos-stripper.js';
import { assertSamplesPerPrompt, throwIfAborted } from './evaluation-helpers.js';
import { meanLength } from './mean-length.js';
import { meanPairwiseSimilarity } from './mean-pairwise-similarity.js';
import { nonTerminationRate } from './non-termination-rate.js';
import { repetitionRate } from './repetition-rate.js';
import { selfBleu } from './self-bleu.js';

const diversityEvaluatorSchema = z.object({
  /** Semantic encoder for the mean pairwise similarity among the K samples of a prompt. */
  encoder: z
    .custom<SemanticEncoderV1>(
      (value) =>
        typeof value === 'object' && value !== null && typeof (value as SemanticEncoderV1).doEncode === 'function',
      { message: 'expected a SemanticEncoderV1 (an object with doEncode)' },
    )
    .optional(),
  /** A final token with this id (or any id of this list) is dropped before every metric. */
  eosTokenId: eosTokenIdsSchema.optional(),
  /** n of the repeated n-gram rate (default 2). */
  repetitionOrder: z.number().int().min(1).max(16).optional(),
  /** Prefix of the result names (default `diversity`). */
  evaluatorId: z.string().min(1).optional(),
});

export type DiversityEvaluatorOptions = z.input<typeof diversityEvaluatorSchema>;

function mean(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : Number.NaN;
}

/**
 * Degeneration and diversity of the policy's samples. Results (prefix `diversity/` by default):
 * `mean-length`, `repetition-rate` (within each response), `non-termination-rate`
 * (finishReason `length`), and per prompt among its K samples, averaged over prompts: `distinct-1`,
 * `distinct-2`, `self-bleu` (BLEU-4, epsilon smoothing) and, with an encoder,
 * `semantic-similarity` (mean pairwise cosine).
 */
export function diversityEvaluator(options: DiversityEvaluatorOptions = {}): EvaluatorV1 {
  const parsed = parseOptions(diversityEvaluatorSchema, options, { what: 'diversityEvaluator options' });
  const evaluatorId = parsed.evaluatorId ?? 'diversity';
  const order = parsed.repetitionOrder ?? 2;
  const strip = eosStripper(parsed.eosTokenId, 'diversityEvaluator options');
  return {
    specificationVersion: 'v1',
    evaluatorId,
    async doEvaluate(context) {
      assertSamplesPerPrompt(context, 'samples', evaluatorId);
      const all = context.samples.flat();
      const sequences = all.map((sample) => strip(sample.tokens));
      const distinct1: number[] = [];
      const distinct2: number[] = [];
      const bleu: number[] = [];
      const similarity: number[] = [];
      for (let p = 0; p < context.samples.length; p++) {
        const samples = context.samples[p] ?? [];
        const group = samples.map((sample) => strip(sample.tokens));
        distinct1.push(distinctN(group, 1));
        distinct2.push(distinctN(group, 2));
        if (group.length >= 2) bleu.push(selfBleu(group));
        const prompt = context.prompts[p];
        if (parsed.encoder !== undefined && samples.length >= 2) {
          throwIfAborted(context, evaluatorId);
          const embeddings = await parsed.encoder.doEncode({
            responses: samples,
            ...(prompt !== undefined ? { prompt } : {}),
            ...(context.signal !== undefined ? { signal: context.signal } : {}),
          });
          similarity.push(meanPairwiseSimilarity(embeddings));
        }
      }
      const result: Record<string, number> = {
        [`${evaluatorId}/mean-length`]: meanLength(sequences),
        [`${evaluatorId}/repetition-rate`]: repetitionRate(sequences, order),
        [`${evaluatorId}/non-termination-rate`]: nonTerminationRate(all),
        [`${evaluatorId}/distinct-1`]: mean(distinct1),
        [`${evaluatorId}/distinct-2`]: mean(distinct2),
        [`${evaluatorId}/self-bleu`]: mean(bleu),
      };
      if (parsed.encoder !== undefined) result[`${evaluatorId}/semantic-similarity`] = mean(similarity);
      return result;
    },
  };
}
