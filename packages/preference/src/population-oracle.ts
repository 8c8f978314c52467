import type { PreferenceMatrix, PreferenceOracleV1, PromptV1, ResponseV1 } from '@prefplay/core';
import { PrefplayError, parseOptions } from '@prefplay/core';
import { z } from 'zod';

/** One annotator's utility of a response to a prompt. */
export type Annotator = (prompt: PromptV1, response: ResponseV1) => number | Promise<number>;

export const populationOracleOptionsSchema = z
  .object({
    annotators: z.array(z.custom<Annotator>((v) => typeof v === 'function', 'must be a function')).min(1),
    /** `hard`: share of annotators strictly preferring i (ties count half); `soft`: mean of σ(Δu/τ). */
    mode: z.enum(['hard', 'soft']).default('hard'),
    temperature: z.number().positive().max(1e6).default(1),
    /** Non-negative weight of each annotator (default equal). */
    weights: z.array(z.number().min(0)).optional(),
    oracleId: z.string().min(1).default('population-oracle'),
  })
  .strict()
  .refine((o) => !o.weights || o.weights.length === o.annotators.length, {
    message: 'needs one weight per annotator',
    path: ['weights'],
  })
  .refine((o) => !o.weights || o.weights.some((w) => w > 0), { message: 'needs a positive weight', path: ['weights'] });

export type PopulationOracleOptions = z.input<typeof populationOracleOptionsSchema>;

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * The preference of a population of annotators, each with its own utility: `P(i ≻ j)` is the
 * (weighted) share of annotators preferring `i` (`hard`, ties half) or the mean of
 * `σ((u_i − u_j)/temperature)` (`soft`). Constant-sum, and intransitive in general: majorities of
 * transitive annotators can cycle (Condorcet).
 */
export function populationOracle(options: PopulationOracleOptions): PreferenceOracleV1 {
  const settings = parseOptions(populationOracleOptionsSchema, options, { what: 'populationOracle options' });
  const { annotators, mode, temperature } = settings;
  const weights = settings.weights ?? annotators.map(() => 1);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  return {
    specificationVersion: 'v1',
    oracleId: settings.oracleId,
    async doCompare({ prompt, responses }): Promise<PreferenceMatrix> {
      const k = responses.length;
      const utilities = await Promise.all(
        annotators.map((annotator) => Promise.all(responses.map((response) => annotator(prompt, response)))),
      );
      for (let a = 0; a < utilities.length; a++) {
        const row = utilities[a] as number[];
        for (let r = 0; r < row.length; r++) {
          const u = row[r] as number;
          if (!Number.isFinite(u)) {
            throw new PrefplayError({
              code: 'invalid-input',
              problem: `populationOracle: annotator ${a} gave utility ${u} to response ${r}`,
              where: { field: `annotators[${a}]` },
              hint: 'Utilities must be finite numbers',
            });
          }
        }
      }
      const out = Array.from({ length: k }, () => new Array<number>(k).fill(0.5));
      for (let i = 0; i < k; i++) {
        for (let j = i + 1; j < k; j++) {
          let share = 0;
          for (let a = 0; a < annotators.length; a++) {
            const diff = ((utilities[a] as number[])[i] as number) - ((utilities[a] as number[])[j] as number);
            const p = mode === 'hard' ? (diff > 0 ? 1 : diff < 0 ? 0 : 0.5) : sigmoid(diff / temperature);
            share += (weights[a] as number) * p;
          }
          const p = share / totalWeight;
          (out[i] as number[])[j] = p;
          (out[j] as number[])[i] = 1 - p;
        }
      }
      return out;
    },
  };
}
