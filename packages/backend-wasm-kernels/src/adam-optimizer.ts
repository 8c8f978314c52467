import * as tf from '@tensorflow/tfjs-core';
import { activeKernelInstance } from './wasm-kernels.js';

type OptimizerVariable = { originalName: string; variable: tf.Variable };

/** The fields of tfjs 4.22's AdamOptimizer this subclass shares with it (private there). */
type AdamState = {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: (OptimizerVariable | undefined)[];
  accumulatedSecondMoment: (OptimizerVariable | undefined)[];
};

/**
 * TensorFlow.js's Adam with the update fused into one kernel per variable on the wasm backend:
 * weights and both moments are updated in place in one pass (about ten tfjs ops and four new
 * tensors per variable otherwise). Same arithmetic, state and serialization as `tf.train.adam`;
 * on other backends, or with the kernels disabled, it is `tf.train.adam`.
 */
export class WasmAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const instance = activeKernelInstance();
    if (!instance) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    const c1 = 1 - (state.accBeta1.dataSync()[0] as number);
    const c2 = 1 - (state.accBeta2.dataSync()[0] as number);
    const exclusive = (v: tf.Variable) => {
      // Another tensor shares this buffer (a clone or a reshape): give the variable its own first.
      if (instance.shared(v)) {
        const copy = tf.tidy(() => tf.add(v, 0));
        v.assign(copy);
        copy.dispose();
      }
      return instance.offset(v);
    };
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name] as tf.Variable;
      const moment = (list: (OptimizerVariable | undefined)[], suffix: string) => {
        let entry = list[i];
        if (!entry) {
          entry = { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
          list[i] = entry;
        }
        return entry.variable;
      };
      const first = moment(state.accumulatedFirstMoment, 'm');
      const second = moment(state.accumulatedSecondMoment, 'v');
      const gradient = Array.isArray(variableGradients)
        ? variableGradients[i]?.tensor
        : (variableGradients as Record<string, tf.Tensor | undefined>)[name];
      if (gradient == null) return;
      instance.exports.adam_update(
        value.size,
        exclusive(value),
        exclusive(first),
        exclusive(second),
        instance.offset(gradient),
        this.beta1,
        this.beta2,
        this.learningRate,
        this.epsilon,
        c1,
        c2,
      );
      // the weights changed in place: tfjs-wasm must not reuse what it cached for them
      instance.wrote(value);
    });
    tf.tidy(() => {
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

/** `tf.train.adam(learningRate, beta1, beta2, epsilon)` with the fused update on the wasm backend. */
export function createAdamOptimizer(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number): tf.Optimizer {
  return new WasmAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
