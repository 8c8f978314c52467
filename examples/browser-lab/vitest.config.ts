import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'example-browser-lab',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
