import type { BenchCase } from '../bench-case.js';

/** Every benchmark case, in the order they run. */
export const benchCases: readonly BenchCase[] = [];
