import type { IterationSummary, TrainerProgress } from '@prefplay/trainers';
import type { BrowserBackendChoice } from './init-browser-backend.js';
import type { LabBackendName } from './lab-settings.js';
import type { MainJobConfig } from './main-job-config.js';
import type { LabSummary } from './run-lab-experiment.js';

/** A sampled response as the page shows it: its words, which are fillers, and what it means. */
export type ShownResponse = {
  readonly words: readonly { readonly word: string; readonly filler: boolean }[];
  readonly fillers: number;
  readonly wellFormed: boolean;
  /** The claim's meaning key, or why the response is malformed. */
  readonly meaning: string;
};

/** One prompt of a self-play iteration: K responses and the K×K matrices behind the targets. */
export type JudgedPrompt = {
  readonly prompt: string;
  readonly responses: readonly ShownResponse[];
  /** The training oracle's `P(i ≻ j)`. */
  readonly judge: readonly (readonly number[])[];
  /** The true preference's `P(i ≻ j)` (never seen by training). */
  readonly truth: readonly (readonly number[])[];
  /** `g(s_ij)` of the method's gate, for methods with calibration. */
  readonly gate?: readonly (readonly number[])[];
};

/** Messages from the page to the worker (the page stops a run by terminating the worker). */
export type ToWorker = {
  readonly type: 'start';
  readonly config: MainJobConfig;
  readonly backend: LabBackendName;
};

/** Messages from the worker to the page. */
export type FromWorker =
  | { readonly type: 'backend'; readonly choice: BrowserBackendChoice }
  | { readonly type: 'base-step'; readonly step: number; readonly steps: number; readonly loss: number }
  | { readonly type: 'base-ready'; readonly seconds: number }
  | { readonly type: 'ideal'; readonly ideal: LabSummary['ideal'] }
  | { readonly type: 'progress'; readonly method: string; readonly progress: TrainerProgress }
  | { readonly type: 'iteration'; readonly method: string; readonly summary: IterationSummary }
  | {
      readonly type: 'judged';
      readonly method: string;
      readonly iteration: number;
      readonly prompts: readonly JudgedPrompt[];
    }
  | {
      readonly type: 'done';
      readonly summary: LabSummary;
      readonly seconds: number;
      /** Tensors alive before and after the run (equal when nothing leaked). */
      readonly tensors: { readonly before: number; readonly after: number };
    }
  | { readonly type: 'failed'; readonly message: string };
