import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'example-own-model',
    include: ['src/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
