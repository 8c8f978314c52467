import type { BenchCase } from '../bench-case.js';
import { bradleyTerryCase } from './bradley-terry.js';
import { gpt2StepBench, llamaStepBench } from './gpt2-step.js';
import { transformerBench } from './transformer.js';

/** Every benchmark case, in the order they run. */
export const benchCases: readonly BenchCase[] = [transformerBench, gpt2StepBench, llamaStepBench, bradleyTerryCase];
