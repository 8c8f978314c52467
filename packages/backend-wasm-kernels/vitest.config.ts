import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'backend-wasm-kernels',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/__fixtures__/select-simd.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
