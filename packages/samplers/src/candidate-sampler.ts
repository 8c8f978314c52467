import {
  createRng,
  type PolicyV1,
  PrefplayError,
  type PromptV1,
  parseOptions,
  type SampleOptionsV1,
  type SamplerV1,
  type SampleV1,
  type TokenIds,
} from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { sampleFromLogits } from './sample-from-logits.js';
import { specSchema } from './spec-schema.js';
import { sampleStreamLabel } from './token-sampler.js';

const policySchema = specSchema<PolicyV1>('PolicyV1', 'doForward');

export const candidateSamplerOptionsSchema = z.object({
  policy: policySchema,
  /** The finite set of responses a prompt can receive (tabular setting: `[[0], [1], ...]`). */
  candidates: z.custom<(prompt: PromptV1) => TokenIds[]>((value) => typeof value === 'function'),
  /** Samples from `softmax(logps / temperature)` over the candidates; 0 picks the most likely one. */
  temperature: z.number().min(0).max(100).default(1),
  /** Turns response tokens into `text`. */
  decode: z.custom<(tokens: readonly number[]) => string>((value) => typeof value === 'function').optional(),
  samplerId: z.string().min(1).default('candidate-sampler'),
});

export type CandidateSamplerOptions = z.input<typeof candidateSamplerOptionsSchema>;

/**
 * Exact sampling from a policy restricted to a finite candidate set: candidate `c` of prompt `x` is
 * drawn with probability `softmax_c(log π(c|x) / temperature)`, which for a tabular policy whose
 * candidates are all its responses is `π(·|x)` itself. Works for any `PolicyV1`. Sample `k` of prompt
 * `i` uses the stream `createRng(seed).fork(sampleStreamLabel(i, k))`.
 */
export function createCandidateSampler(options: CandidateSamplerOptions): SamplerV1 {
  const parsed = parseOptions(candidateSamplerOptionsSchema, options, { what: 'candidate sampler options' });
  const settings = Object.freeze({ temperature: parsed.temperature, mode: 'candidates' as const });
  return {
    specificationVersion: 'v1',
    samplerId: parsed.samplerId,
    async doSample({ prompts, samplesPerPrompt, seed, signal }: SampleOptionsV1): Promise<SampleV1[][]> {
      if (!(Number.isInteger(samplesPerPrompt) && samplesPerPrompt >= 1)) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `samplesPerPrompt must be a positive integer, got ${samplesPerPrompt}`,
          where: { field: 'samplesPerPrompt' },
          hint: 'Ask for at least one sample per prompt',
        });
      }
      const root = createRng(seed);
      const out: SampleV1[][] = [];
      for (let i = 0; i < prompts.length; i++) {
        signal?.throwIfAborted();
        const prompt = prompts[i] as PromptV1;
        const candidates = parsed.candidates(prompt);
        if (candidates.length === 0) {
          throw new PrefplayError({
            code: 'invalid-input',
            problem: `the candidates function returned no candidates for prompt "${prompt.id}"`,
            where: { field: 'candidates' },
            hint: 'Return at least one response per prompt',
          });
        }
        const logps = tf.tidy(() =>
          Array.from(
            parsed.policy
              .doForward({ prompts: candidates.map(() => prompt.tokens), responses: candidates })
              .logps.dataSync(),
          ),
        );
        const row: SampleV1[] = [];
        for (let k = 0; k < samplesPerPrompt; k++) {
          const drawn = sampleFromLogits(
            logps,
            { temperature: parsed.temperature },
            root.fork(sampleStreamLabel(i, k)),
          );
          const tokens = (candidates[drawn.token] as TokenIds).slice();
          row.push({
            tokens,
            ...(parsed.decode ? { text: parsed.decode(tokens) } : {}),
            finishReason: 'stop',
            seed,
            settings: { ...settings, candidateIndex: drawn.token, numCandidates: candidates.length },
            logprob: drawn.logprob,
          });
        }
        out.push(row);
      }
      return out;
    },
  };
}
