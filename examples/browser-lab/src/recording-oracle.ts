import type { PreferenceMatrix, PreferenceOracleV1, PromptV1, ResponseV1 } from '@prefplay/core';

/** One call of the judge: the prompt, the responses it compared and its K×K verdict. */
export type JudgedBatch = {
  readonly prompt: PromptV1;
  readonly responses: readonly ResponseV1[];
  readonly matrix: PreferenceMatrix;
};

/**
 * The oracle unchanged, keeping the comparisons it made since the last `take()`: the judge's
 * verdicts on what self-play sampled, for display. It adds no calls and changes no result.
 */
export function recordingOracle(oracle: PreferenceOracleV1): {
  readonly oracle: PreferenceOracleV1;
  take(): JudgedBatch[];
} {
  let batches: JudgedBatch[] = [];
  return {
    oracle: {
      specificationVersion: 'v1',
      oracleId: oracle.oracleId,
      async doCompare(options) {
        const matrix = await oracle.doCompare(options);
        batches.push({ prompt: options.prompt, responses: options.responses, matrix });
        return matrix;
      },
    },
    take() {
      const out = batches;
      batches = [];
      return out;
    },
  };
}
