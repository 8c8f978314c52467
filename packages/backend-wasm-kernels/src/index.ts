export { createAdamOptimizer, WasmAdamOptimizer } from './adam-optimizer.js';
export type { CausalAttentionOptions } from './causal-attention-kernel.js';
export type { DenseOptions } from './dense-kernel.js';
export type { GroupedCausalAttentionOptions } from './grouped-causal-attention-kernel.js';
export { kernelCompiler } from './kernel-binaries.js';
export type { SimdVariant } from './kernel-instance.js';
export type { KeyValueCache, KeyValueCacheOptions, LayerKeyValueCache } from './key-value-cache.js';
export type { MatMulOptions } from './mat-mul-kernel.js';
export {
  configureWasmKernels,
  getWasmKernels,
  prepareWasmKernels,
  type WasmKernels,
  type WasmKernelsOptions,
  type WasmKernelsStatus,
  wasmKernelsOptionsSchema,
  wasmKernelsStatus,
} from './wasm-kernels.js';
