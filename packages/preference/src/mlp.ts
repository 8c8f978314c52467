import type { Rng } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';

export type Activation = 'relu' | 'tanh';

/** A small fully connected network `[inputSize] → hidden… → [outputSize]` of tfjs variables. */
export type Mlp = {
  readonly variables: tf.Variable[];
  /** `[batch, inputSize] → [batch, outputSize]`; does not dispose its input. */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
};

/** Builds an MLP with Glorot-normal weights and zero biases drawn from `rng` (reproducible). */
export function createMlp(options: {
  readonly inputSize: number;
  readonly hiddenSizes: readonly number[];
  readonly outputSize: number;
  readonly activation: Activation;
  readonly rng: Rng;
}): Mlp {
  const sizes = [options.inputSize, ...options.hiddenSizes, options.outputSize];
  const weights: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l] as number;
    const fanOut = sizes[l + 1] as number;
    const std = Math.sqrt(2 / (fanIn + fanOut));
    const values = new Float32Array(fanIn * fanOut);
    for (let k = 0; k < values.length; k++) values[k] = std * options.rng.normal();
    const initialWeights = tf.tensor2d(values, [fanIn, fanOut]);
    const initialBiases = tf.zeros([fanOut]);
    weights.push(tf.variable(initialWeights, true));
    biases.push(tf.variable(initialBiases, true));
    initialWeights.dispose();
    initialBiases.dispose();
  }
  const activate = options.activation === 'relu' ? tf.relu : tf.tanh;
  return {
    variables: [...weights, ...biases],
    apply(x: tf.Tensor2D): tf.Tensor2D {
      return tf.tidy(() => {
        let h: tf.Tensor2D = x;
        for (let l = 0; l < weights.length; l++) {
          h = tf.add(tf.matMul(h, weights[l] as tf.Variable), biases[l] as tf.Variable);
          if (l + 1 < weights.length) h = activate(h);
        }
        return h;
      });
    },
    dispose(): void {
      for (const v of [...weights, ...biases]) v.dispose();
    },
  };
}
