import { type EvaluatorV1, type PreferenceOracleV1, PrefplayError, parseOptions } from '@prefplay/core';
import { z } from 'zod';
import { assertSamplesPerPrompt, throwIfAborted } from './evaluation-helpers.js';
import { type LengthControlRow, lengthControlledWinRate } from './length-controlled-win-rate.js';
import { winRate } from './win-rate.js';

const winRateEvaluatorSchema = z.object({
  judge: z.custom<PreferenceOracleV1>(
    (value) =>
      typeof value === 'object' && value !== null && typeof (value as PreferenceOracleV1).doCompare === 'function',
    { message: 'expected a PreferenceOracleV1 (an object with doCompare)' },
  ),
  /** Prefix of the result names (default `win-rate`). */
  evaluatorId: z.string().min(1).optional(),
  /** Also report the length-controlled win rate (default true). */
  lengthControlled: z.boolean().optional(),
});

export type WinRateEvaluatorOptions = z.input<typeof winRateEvaluatorSchema>;

/**
 * Win rate of the policy's samples against the baseline's under a judge. For each prompt and
 * `k < min(K, K_baseline)` the judge compares `[sample_k, baseline_k]`; `P(sample_k ≻ baseline_k)`
 * (a tie is 1/2) is averaged over k, then over prompts.
 *
 * Results: `<id>/mean`, `<id>/standard-error` (over prompts), `<id>/comparisons` and, unless
 * `lengthControlled: false`, `<id>/length-controlled` (lengths in tokens, one row per comparison).
 */
export function winRateEvaluator(options: WinRateEvaluatorOptions): EvaluatorV1 {
  const {
    judge,
    evaluatorId = 'win-rate',
    lengthControlled = true,
  } = parseOptions(winRateEvaluatorSchema, options, {
    what: 'winRateEvaluator options',
  });
  return {
    specificationVersion: 'v1',
    evaluatorId,
    async doEvaluate(context) {
      assertSamplesPerPrompt(context, 'samples', evaluatorId);
      assertSamplesPerPrompt(context, 'baselineSamples', evaluatorId);
      const perPrompt: number[] = [];
      const rows: LengthControlRow[] = [];
      for (let p = 0; p < context.prompts.length; p++) {
        const prompt = context.prompts[p];
        const samples = context.samples[p] ?? [];
        const baseline = context.baselineSamples?.[p] ?? [];
        const pairs = Math.min(samples.length, baseline.length);
        if (prompt === undefined || pairs === 0) continue;
        let sum = 0;
        for (let k = 0; k < pairs; k++) {
          throwIfAborted(context, evaluatorId);
          const sample = samples[k] as (typeof samples)[number];
          const base = baseline[k] as (typeof baseline)[number];
          const matrix = await judge.doCompare({
            prompt,
            responses: [sample, base],
            ...(context.signal !== undefined ? { signal: context.signal } : {}),
          });
          const probability = matrix[0]?.[1];
          if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
            throw new PrefplayError({
              code: 'invalid-input',
              problem: `judge ${judge.oracleId} returned P(sample ≻ baseline) = ${String(probability)} for prompt ${prompt.id}`,
              where: { field: 'matrix[0][1]' },
              hint: 'A judge must return a 2×2 matrix of probabilities',
            });
          }
          sum += probability;
          rows.push({
            probability,
            lengthModel: sample.tokens.length,
            lengthBaseline: base.tokens.length,
            prompt: prompt.id,
          });
        }
        perPrompt.push(sum / pairs);
      }
      if (perPrompt.length === 0) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `${evaluatorId} found no prompt with both a sample and a baseline sample`,
          where: { field: 'samples' },
        });
      }
      const summary = winRate(perPrompt);
      const result: Record<string, number> = {
        [`${evaluatorId}/mean`]: summary.mean,
        [`${evaluatorId}/standard-error`]: summary.standardError,
        [`${evaluatorId}/comparisons`]: rows.length,
      };
      if (lengthControlled) result[`${evaluatorId}/length-controlled`] = lengthControlledWinRate(rows).winRate;
      return result;
    },
  };
}
