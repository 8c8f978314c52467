import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './kernel-instance.js';

/**
 * `Identity` (`tf.clone`, and the copy tfjs makes of every tensor a gradient saves) on the wasm
 * backend sharing the input's buffer by reference count, as tfjs's cpu and webgl backends do,
 * instead of copying it: tensors are immutable, so only kernels that write into an existing tensor
 * can tell the difference, and the ones here check `KernelInstance.shared` first.
 */
export function shareIdentity(): void {
  const kernel = tf.getKernel('Identity', 'wasm');
  if (kernel?.kernelFunc === identity) return;
  if (kernel) tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: identity });
}

function identity({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  (backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
