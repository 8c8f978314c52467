import { createRng, type DecoderV1, type TokenIds } from '@prefplay/core';

/**
 * Plain ancestral sampling through `DecoderV1.doBeginDecoding`, used by this package's tests and
 * measurements (the samplers package offers the full sampler). Returns one response per prompt,
 * ending with EOS when one was drawn within `maxNewTokens`.
 */
export function decodeResponses(
  decoder: DecoderV1,
  prompts: readonly TokenIds[],
  options: {
    readonly maxNewTokens: number;
    readonly temperature: number;
    readonly eosTokenId: number;
    readonly seed: number;
  },
): number[][] {
  const rng = createRng(options.seed);
  const session = decoder.doBeginDecoding({ prompts, useCache: true });
  const out: number[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  try {
    for (let step = 0; step < options.maxNewTokens && done.some((d) => !d); step++) {
      const logitsTensor = session.doNextLogits();
      const logits = logitsTensor.arraySync();
      logitsTensor.dispose();
      const next = logits.map((row, i) => {
        if (done[i]) return options.eosTokenId;
        const max = Math.max(...row);
        const weights = row.map((x) => Math.exp((x - max) / options.temperature));
        const token = rng.categorical(weights);
        out[i]?.push(token);
        if (token === options.eosTokenId) done[i] = true;
        return token;
      });
      if (step + 1 < options.maxNewTokens && done.some((d) => !d)) session.doAppend(next);
    }
  } finally {
    session.dispose();
  }
  return out;
}
