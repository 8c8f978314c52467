import type { SamplerV1, SampleV1 } from '@prefplay/core';
import { createRng } from '@prefplay/core';

/**
 * Draws responses of uniform random tokens in `[0, vocabSize)` with lengths in
 * `[minLength, maxLength]`; reproducible from the call's seed.
 */
export function mockSampler(options: {
  readonly vocabSize: number;
  readonly minLength?: number;
  readonly maxLength?: number;
}): SamplerV1 {
  const minLength = options.minLength ?? 1;
  const maxLength = options.maxLength ?? 4;
  return {
    specificationVersion: 'v1',
    samplerId: 'mock-sampler',
    async doSample({ prompts, samplesPerPrompt, seed }) {
      const rng = createRng(seed);
      return prompts.map(() =>
        Array.from({ length: samplesPerPrompt }, (): SampleV1 => {
          const length = minLength + rng.int(maxLength - minLength + 1);
          return {
            tokens: Array.from({ length }, () => rng.int(options.vocabSize)),
            finishReason: 'stop',
            seed,
            settings: { minLength, maxLength },
          };
        }),
      );
    },
  };
}
