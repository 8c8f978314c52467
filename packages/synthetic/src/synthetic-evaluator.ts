import type { EvaluatorV1 } from '@prefplay/core';
import type { AnnotatorPopulation } from './annotators.js';
import { claimExploitability } from './claim-exploitability.js';
import type { DomainCodec } from './domain-codec.js';
import { responseStatistics } from './response-statistics.js';
import { truthMatrix } from './true-preference.js';

/**
 * Domain metrics of held-out samples, averaged over prompts: `synthetic/well-formed-rate`,
 * `synthetic/terminated-rate`, `synthetic/mean-fillers`, `synthetic/mean-length`,
 * `synthetic/distinct-claims` (per prompt), `synthetic/claim-exploitability`, and with baseline
 * samples `synthetic/true-win-rate` (mean true `P(sample ≻ baseline sample)` over all pairs).
 */
export function createSyntheticEvaluator(options: {
  readonly population: AnnotatorPopulation;
  readonly codec: DomainCodec;
}): EvaluatorV1 {
  const { population, codec } = options;
  return {
    specificationVersion: 'v1',
    evaluatorId: 'synthetic',
    async doEvaluate({ prompts, samples, baselineSamples }) {
      const totals = {
        wellFormed: 0,
        terminated: 0,
        fillers: 0,
        length: 0,
        distinct: 0,
        exploitability: 0,
        winRate: 0,
      };
      let counted = 0;
      let compared = 0;
      prompts.forEach((prompt, i) => {
        const meanings = (samples[i] ?? []).map((s) => codec.meaningOf(s));
        if (meanings.length === 0) return;
        const topic = codec.topicOf(prompt);
        const stats = responseStatistics(meanings);
        totals.wellFormed += stats.wellFormedRate;
        totals.terminated += stats.terminatedRate;
        totals.fillers += stats.meanFillerCount;
        totals.length += stats.meanLength;
        totals.distinct += stats.distinctClaims;
        totals.exploitability += claimExploitability(population, topic, meanings).exploitability;
        counted++;
        const baseline = (baselineSamples?.[i] ?? []).map((s) => codec.meaningOf(s));
        if (baseline.length > 0) {
          const m = truthMatrix(population, topic, [...meanings, ...baseline]);
          let sum = 0;
          for (let a = 0; a < meanings.length; a++) {
            for (let b = 0; b < baseline.length; b++) sum += m[a]?.[meanings.length + b] ?? 0;
          }
          totals.winRate += sum / (meanings.length * baseline.length);
          compared++;
        }
      });
      const mean = (x: number): number => (counted === 0 ? 0 : x / counted);
      const result: Record<string, number> = {
        'synthetic/well-formed-rate': mean(totals.wellFormed),
        'synthetic/terminated-rate': mean(totals.terminated),
        'synthetic/mean-fillers': mean(totals.fillers),
        'synthetic/mean-length': mean(totals.length),
        'synthetic/distinct-claims': mean(totals.distinct),
        'synthetic/claim-exploitability': mean(totals.exploitability),
      };
      if (compared > 0) result['synthetic/true-win-rate'] = totals.winRate / compared;
      return result;
    },
  };
}
