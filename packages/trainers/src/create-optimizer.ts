import { createAdamOptimizer } from '@prefplay/backend-wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

/**
 * `adam-fused` is Adam with the update fused into one in-place kernel per variable on the wasm
 * backend (`tf.train.adam` elsewhere): the same arithmetic in a different order, so its last bits
 * differ from `adam`'s, which stays the default so that recorded runs reproduce exactly.
 */
export const optimizerNames = ['adam', 'adam-fused', 'rmsprop', 'sgd'] as const;
export type OptimizerName = (typeof optimizerNames)[number];

/** A fresh tfjs optimiser; the caller disposes it. */
export function createOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'adam-fused':
      return createAdamOptimizer(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    case 'sgd':
      return tf.train.sgd(learningRate);
  }
}

export const optimizerNameSchema = z.enum(optimizerNames);
