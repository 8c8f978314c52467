import type { SyntheticTask } from '@prefplay/synthetic';
import { MockEmbeddingModelV3 } from 'ai/test';
import { taskResponse } from './task-response.js';

/**
 * An AI SDK embedding model (the AI SDK's own `MockEmbeddingModelV3`) that embeds a text as the
 * synthetic task's encoder embeds the response with that text (its meaning: topic, quality and
 * context groups, or the malformed axis), at most `maxEmbeddingsPerCall` texts per call.
 */
export function taskEmbeddingModel(task: SyntheticTask, maxEmbeddingsPerCall = 32): MockEmbeddingModelV3 {
  return new MockEmbeddingModelV3({
    provider: 'task-mock',
    modelId: 'meaning-encoder',
    maxEmbeddingsPerCall,
    doEmbed: async ({ values, abortSignal }) => ({
      embeddings: await task.encoder.doEncode({
        responses: values.map((text) => taskResponse(task, text)),
        ...(abortSignal ? { signal: abortSignal } : {}),
      }),
      warnings: [],
    }),
  });
}
