import type { PolicyV1, SemanticEncoderV1 } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A semantic encoder from a policy's own pooled last-layer hidden states (mean over the response
 * tokens, given the prompt when there is one), L2-normalised. Follows the policy's current weights.
 */
export function policyHiddenEncoder(
  policy: PolicyV1,
  options: { readonly batchSize?: number; readonly encoderId?: string } = {},
): SemanticEncoderV1 {
  const batchSize = options.batchSize ?? 32;
  return {
    specificationVersion: 'v1',
    encoderId: options.encoderId ?? `hidden:${policy.policyId}`,
    async doEncode({ responses, prompt }) {
      const out: number[][] = [];
      const promptTokens = prompt?.tokens ?? [];
      for (let start = 0; start < responses.length; start += batchSize) {
        const chunk = responses.slice(start, start + batchSize);
        const rows = tf.tidy(() => {
          const result = policy.doForward({
            prompts: chunk.map(() => promptTokens),
            responses: chunk.map((r) => r.tokens),
            outputs: { hidden: true },
          });
          if (result.hidden === undefined) {
            throw new Error(`policyHiddenEncoder: policy ${policy.policyId} returned no hidden states`);
          }
          const norms = tf.maximum(tf.norm(result.hidden, 'euclidean', 1, true), 1e-12);
          return tf.div(result.hidden, norms).arraySync() as number[][];
        });
        out.push(...rows);
      }
      return out;
    },
  };
}
