import type { PolicyForwardOptionsV1, PolicyForwardResultV1, PolicyStateV1, PolicyV1 } from '@prefplay/core';
import { createRng } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';

export type MockPolicyOptions = {
  readonly vocabSize: number;
  readonly hiddenSize?: number;
  readonly seed?: number;
  readonly policyId?: string;
};

/**
 * A unigram policy: each response token is drawn independently with `softmax(logits)`, ignoring
 * the prompt; `hidden` is the mean of a token embedding over the response. Differentiable, tiny,
 * and exact enough to check losses and trainers against closed forms.
 */
export function mockPolicy(options: MockPolicyOptions): PolicyV1 & {
  readonly logits: tf.Variable;
  readonly embedding: tf.Variable;
} {
  const hiddenSize = options.hiddenSize ?? 4;
  const rng = createRng(options.seed ?? 0);
  const init = (n: number) => Float32Array.from({ length: n }, () => 0.1 * rng.normal());
  const logits = tf.variable(tf.tensor1d(init(options.vocabSize)), true);
  const embedding = tf.variable(
    tf.tensor2d(init(options.vocabSize * hiddenSize), [options.vocabSize, hiddenSize]),
    true,
  );
  return build(options.policyId ?? 'mock-policy', logits, embedding, true);
}

function build(
  policyId: string,
  logits: tf.Variable,
  embedding: tf.Variable,
  trainable: boolean,
): PolicyV1 & { readonly logits: tf.Variable; readonly embedding: tf.Variable } {
  const vocabSize = logits.shape[0] as number;
  const hiddenSize = embedding.shape[1] as number;
  return {
    specificationVersion: 'v1',
    policyId,
    logits,
    embedding,
    doForward(forward: PolicyForwardOptionsV1): PolicyForwardResultV1 {
      const { responses } = forward;
      const maxLen = Math.max(1, ...responses.map((r) => r.length));
      const ids = new Int32Array(responses.length * maxLen);
      const mask = new Float32Array(responses.length * maxLen);
      responses.forEach((r, b) => {
        r.forEach((token, t) => {
          if (!(token >= 0 && token < vocabSize))
            throw new RangeError(`mock policy: token ${token} outside vocabulary`);
          ids[b * maxLen + t] = token;
          mask[b * maxLen + t] = 1;
        });
      });
      return tf.tidy(() => {
        const logProbs = tf.sub(logits, tf.logSumExp(logits));
        const oneHot = tf.oneHot(tf.tensor1d(ids, 'int32'), vocabSize) as tf.Tensor2D;
        const maskT = tf.tensor2d(mask, [responses.length, maxLen]);
        const tokenLogps = tf.mul(
          tf.reshape(tf.matMul(oneHot, tf.reshape(logProbs, [vocabSize, 1])), [responses.length, maxLen]),
          maskT,
        ) as tf.Tensor2D;
        const logps = tf.sum(tokenLogps, 1) as tf.Tensor1D;
        const out: { -readonly [K in keyof PolicyForwardResultV1]: PolicyForwardResultV1[K] } = {
          logps,
          responseLengths: responses.map((r) => r.length),
        };
        if (forward.outputs?.tokenLogps) {
          out.tokenLogps = tokenLogps;
          out.responseMask = maskT;
        }
        if (forward.outputs?.hidden) {
          const embedded = tf.reshape(tf.matMul(oneHot, embedding), [responses.length, maxLen, hiddenSize]);
          const summed = tf.sum(tf.mul(embedded, tf.expandDims(maskT, 2)), 1);
          out.hidden = tf.div(summed, tf.maximum(tf.sum(maskT, 1, true), 1)) as tf.Tensor2D;
        }
        return out as unknown as tf.TensorContainer;
      }) as unknown as PolicyForwardResultV1;
    },
    trainableVariables() {
      return trainable ? [logits, embedding] : [];
    },
    doSnapshot() {
      const frozen = (v: tf.Variable) => tf.tidy(() => tf.variable(v.clone(), false));
      return build(`${policyId}-snapshot`, frozen(logits), frozen(embedding), false);
    },
    doSaveState(): PolicyStateV1 {
      return {
        kind: 'mock',
        config: { vocabSize, hiddenSize },
        weights: {
          logits: { shape: logits.shape, values: logits.dataSync() as Float32Array },
          embedding: { shape: embedding.shape, values: embedding.dataSync() as Float32Array },
        },
      };
    },
    doLoadState(state: PolicyStateV1) {
      const l = state.weights.logits;
      const e = state.weights.embedding;
      if (state.kind !== 'mock' || !l || !e) throw new Error('mock policy: state is not a mock policy state');
      logits.assign(tf.tensor(l.values, l.shape as number[]));
      embedding.assign(tf.tensor(e.values, e.shape as number[]));
    },
    dispose() {
      logits.dispose();
      embedding.dispose();
    },
  };
}
