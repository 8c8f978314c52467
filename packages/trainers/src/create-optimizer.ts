import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

export const optimizerNames = ['adam', 'rmsprop', 'sgd'] as const;
export type OptimizerName = (typeof optimizerNames)[number];

/** A fresh tfjs optimiser; the caller disposes it. */
export function createOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    case 'sgd':
      return tf.train.sgd(learningRate);
  }
}

export const optimizerNameSchema = z.enum(optimizerNames);
