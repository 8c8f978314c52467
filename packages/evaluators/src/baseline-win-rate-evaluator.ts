import type { EvaluatorV1, PreferenceOracleV1, PromptV1 } from '@prefplay/core';
import { throwIfAborted } from './evaluation-helpers.js';
import { winRate } from './win-rate.js';

/**
 * Win rate of the policy's samples against every baseline sample of the same prompt: per policy
 * sample, its mean probability of beating the baseline samples under `judge` (one K+K' matrix per
 * prompt); then the mean over samples and its standard error. Results: `winRateVsBase`,
 * `winRateVsBaseSE`.
 */
export function baselineWinRateEvaluator(judge: PreferenceOracleV1): EvaluatorV1 {
  return {
    specificationVersion: 'v1',
    evaluatorId: 'vs-base',
    async doEvaluate(context) {
      const { prompts, samples, baselineSamples } = context;
      const values: number[] = [];
      for (let p = 0; p < prompts.length; p++) {
        throwIfAborted(context, 'vs-base');
        const own = samples[p] ?? [];
        const base = baselineSamples?.[p] ?? [];
        if (own.length === 0 || base.length === 0) continue;
        const m = await judge.doCompare({ prompt: prompts[p] as PromptV1, responses: [...own, ...base] });
        own.forEach((_, k) => {
          let sum = 0;
          base.forEach((_, j) => {
            sum += m[k]?.[own.length + j] as number;
          });
          values.push(sum / base.length);
        });
      }
      if (values.length === 0) return {};
      const result = winRate(values);
      return { winRateVsBase: result.mean, winRateVsBaseSE: result.standardError };
    },
  };
}
