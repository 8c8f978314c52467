// Vitest setup: PREFPLAY_TEST_WASM_SIMD=relaxed (with NODE_OPTIONS=--experimental-wasm-relaxed-simd on
// Node 20) runs every kernel test on the relaxed-SIMD build instead of the plain one.
import { configureWasmKernels } from '../wasm-kernels.js';

const simd = process.env.PREFPLAY_TEST_WASM_SIMD;
if (simd === 'relaxed' || simd === 'auto' || simd === 'plain') configureWasmKernels({ simd });
