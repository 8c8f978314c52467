import {
  type LossV1,
  type PolicyV1,
  type PreferenceOracleV1,
  PrefplayError,
  type PromptV1,
  type SamplerV1,
  type SampleV1,
  type SemanticEncoderV1,
} from '@prefplay/core';
import { type Gate, type SelfPlayTargets, selfPlayTargets, upperTriangle } from '@prefplay/preference';
import type { PairwiseRow } from './loss-batch.js';
import { scoreResponses } from './train-step.js';

export type SelfPlayIterationInput = {
  /** The frozen `π_t`: reference log-probs are scored under it. */
  readonly reference: PolicyV1;
  readonly sampler: SamplerV1;
  readonly oracle: PreferenceOracleV1;
  readonly encoder?: SemanticEncoderV1;
  readonly gate?: Gate;
  /** The loss to be trained: its `requires` says whether every response's reference log-prob is needed. */
  readonly loss: LossV1;
  readonly prompts: readonly PromptV1[];
  readonly samplesPerPrompt: number;
  readonly includeSelf: boolean;
  readonly seed: number;
  readonly scoreBatchSize: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (phase: 'sample' | 'judge', done: number, total: number) => void;
};

export type SelfPlayIterationData = {
  readonly rows: readonly PairwiseRow[];
  /** Per prompt: its responses and their targets. */
  readonly targets: readonly {
    readonly prompt: PromptV1;
    readonly responses: readonly SampleV1[];
    readonly target: SelfPlayTargets;
  }[];
  /** Upper triangles of every prompt's similarity and gate matrices, and each prompt's `M_wl`. */
  readonly similarities: readonly number[];
  readonly gateValues: readonly number[];
  readonly pairPreferences: readonly number[];
};

/**
 * The data of one self-play iteration: K responses per prompt from the policy, the oracle's K×K
 * matrix (checked constant-sum), calibrated by the gate when one is given, win-rate targets with
 * chosen and rejected, and their log-probs under the frozen `π_t`, scored once.
 */
export async function collectSelfPlayIteration(input: SelfPlayIterationInput): Promise<SelfPlayIterationData> {
  const { sampler, oracle, prompts, samplesPerPrompt: k } = input;
  const signal = input.signal ? { signal: input.signal } : {};
  input.onProgress?.('sample', 0, 1);
  const samples = await sampler.doSample({ prompts, samplesPerPrompt: k, seed: input.seed, ...signal });
  input.onProgress?.('sample', 1, 1);
  const similarities: number[] = [];
  const gateValues: number[] = [];
  const pairPreferences: number[] = [];
  const targets: { prompt: PromptV1; responses: readonly SampleV1[]; target: SelfPlayTargets }[] = [];
  for (let p = 0; p < prompts.length; p++) {
    if (input.signal?.aborted) throw input.signal.reason ?? new Error('aborted');
    const prompt = prompts[p] as PromptV1;
    const responses = samples[p] ?? [];
    if (responses.length !== k) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `sampler ${sampler.samplerId} returned ${responses.length} responses for prompt ${prompt.id}, expected ${k}`,
      });
    }
    const matrix = await oracle.doCompare({ prompt, responses, ...signal });
    const embeddings =
      input.encoder !== undefined ? await input.encoder.doEncode({ responses, prompt, ...signal }) : undefined;
    const target = selfPlayTargets({
      matrix,
      ...(embeddings ? { embeddings } : {}),
      ...(input.gate ? { gate: input.gate } : {}),
      includeSelf: input.includeSelf,
      where: `oracle ${oracle.oracleId}, prompt ${prompt.id}`,
    });
    if (target.similarity) similarities.push(...upperTriangle(target.similarity));
    if (target.gateValues) gateValues.push(...upperTriangle(target.gateValues));
    pairPreferences.push(target.pairPreference);
    targets.push({ prompt, responses, target });
    input.onProgress?.('judge', p + 1, prompts.length);
  }
  const perResponse = input.loss.requires.some(
    (f) => f === 'policyLogps' || f === 'referenceLogps' || f === 'winRates',
  );
  const chosen = targets.map((e) => (e.responses[e.target.chosen] as SampleV1).tokens);
  const rejected = targets.map((e) => (e.responses[e.target.rejected] as SampleV1).tokens);
  const promptTokens = targets.map((e) => e.prompt.tokens);
  const pairs = scoreResponses(input.reference, [...promptTokens, ...promptTokens], [...chosen, ...rejected], {
    batchSize: input.scoreBatchSize,
  }).logps;
  const all = perResponse
    ? scoreResponses(
        input.reference,
        targets.flatMap((e) => e.responses.map(() => e.prompt.tokens)),
        targets.flatMap((e) => e.responses.map((r) => r.tokens)),
        { batchSize: input.scoreBatchSize },
      ).logps
    : [];
  const n = targets.length;
  const rows: PairwiseRow[] = targets.map((e, i) => ({
    prompt: e.prompt.tokens,
    chosen: chosen[i] as readonly number[],
    rejected: rejected[i] as readonly number[],
    referenceChosenLogp: pairs[i] as number,
    referenceRejectedLogp: pairs[n + i] as number,
    chosenWinRate: e.target.chosenWinRate,
    rejectedWinRate: e.target.rejectedWinRate,
    pairPreference: e.target.pairPreference,
    ...(perResponse
      ? {
          responses: e.responses.map((r) => r.tokens),
          referenceLogps: all.slice(i * k, (i + 1) * k),
          winRates: e.target.winRates,
        }
      : {}),
  }));
  return { rows, targets, similarities, gateValues, pairPreferences };
}
