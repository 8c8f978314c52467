import * as tf from '@tensorflow/tfjs-core';
import { shareIdentity } from './identity-kernel.js';
import type { KernelInstance, WasmBackendLike } from './kernel-instance.js';

type KernelRun = (
  instance: KernelInstance,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
) => tf.TensorInfo | tf.TensorInfo[];

const definitions = new Map<string, KernelRun>();
const instances = new WeakMap<object, KernelInstance>();

/** Declares a tfjs kernel for the wasm backend (registered with tfjs by `registerKernels`, not on import). */
export function defineKernel(name: string, run: KernelRun): string {
  definitions.set(name, run);
  return name;
}

/**
 * Makes `instance` the one kernels run with on its backend, and registers every kernel with tfjs
 * once (and the wasm backend's `Identity` as a shared reference, see `shareIdentity`).
 */
export function registerKernels(instance: KernelInstance): void {
  instances.set(instance.backend, instance);
  shareIdentity();
  for (const [kernelName, run] of definitions) {
    if (tf.getKernel(kernelName, 'wasm')) continue;
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const owner = instances.get(backend as unknown as WasmBackendLike);
        if (!owner) throw new Error(`${kernelName}: the wasm kernels were not loaded on this backend`);
        return run(owner, inputs, attrs ?? {});
      },
    });
  }
}

/** Runs a registered kernel through the tfjs engine (tracked by tidy, visible to tf.profile). */
export function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

/** Reads a numeric kernel attribute. */
export function numberAttr(attrs: tf.NamedAttrMap, name: string): number {
  return attrs[name] as number;
}

/**
 * Whether tfjs is recording a gradient tape right now. Outside one (inference) the ops call their
 * kernel directly instead of through `tf.customGrad`, which saves a scope and closures per call.
 */
export function recordingGradients(): boolean {
  return tf.engine().isTapeOn();
}

/** Disposes all but the first output of a kernel and returns the first. */
export function firstOutput<T extends tf.Tensor>(outputs: tf.Tensor[]): T {
  for (let i = 1; i < outputs.length; i++) outputs[i]?.dispose();
  return outputs[0] as T;
}
