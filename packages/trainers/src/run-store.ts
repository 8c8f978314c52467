/**
 * One line of `metrics.jsonl`. Every record has `kind`, `run` (the run's label), `iteration`,
 * `step` (the global optimiser step so far, counted across iterations) and `time` (ISO 8601).
 * - `step`: one optimiser step; `epoch`, `loss` (the total, as TRL names it), `grad_norm`
 *   (global L2 norm before clipping), `learning_rate`, and the loss's metrics under their
 *   TRL-style names (`rewards/chosen`, `logps/chosen`, `loss/sppo`, …).
 * - `event`: a step that was undone (`type`: `non-finite-loss` or `non-finite-weights`), with
 *   `epoch` and `loss`.
 * - `iteration`: the end of an iteration; `metrics` holds its summary (the keys of
 *   `summary.json`: `train/loss`, `winRateVsBase`, …).
 */
export type MetricsRecord =
  | {
      readonly kind: 'step';
      readonly run: string;
      readonly iteration: number;
      readonly step: number;
      readonly time: string;
      readonly epoch: number;
      readonly loss: number;
      readonly grad_norm: number;
      readonly learning_rate: number;
      readonly [metric: string]: string | number;
    }
  | {
      readonly kind: 'event';
      readonly run: string;
      readonly iteration: number;
      readonly step: number;
      readonly time: string;
      readonly type: 'non-finite-loss' | 'non-finite-weights';
      readonly epoch: number;
      readonly loss: number;
    }
  | {
      readonly kind: 'iteration';
      readonly run: string;
      readonly iteration: number;
      readonly step: number;
      readonly time: string;
      readonly metrics: Readonly<Record<string, number>>;
    };

/** A checkpoint as stored: the iteration it ends and its bytes. */
export type StoredCheckpoint = { readonly iteration: number; readonly bytes: Uint8Array; readonly name: string };

/**
 * Where a run keeps its config, metrics, checkpoints and summary. `openRunDirectory` of
 * `@prefplay/trainers/node` stores them as files; `memoryRunStore` keeps them in memory (tests,
 * browsers).
 */
export type RunStore = {
  /** Names the store in messages (a directory path). */
  readonly name: string;
  writeConfig(config: unknown): Promise<void>;
  /** The config written by an earlier run, if any. */
  readConfig(): Promise<unknown | undefined>;
  appendMetrics(records: readonly MetricsRecord[]): Promise<void>;
  readMetrics(): Promise<MetricsRecord[]>;
  /** Keeps only the records of iterations up to `iteration` (when resuming). */
  truncateMetrics(iteration: number): Promise<void>;
  /** Writes the checkpoint of `iteration`, atomically. */
  saveCheckpoint(iteration: number, bytes: Uint8Array): Promise<void>;
  /** The newest complete checkpoint, or undefined. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /** Writes a JSON document (`summary.json`), atomically. */
  writeJson(name: string, value: unknown): Promise<void>;
};

/** A run store in memory. */
export function memoryRunStore(name = 'memory'): RunStore & { readonly files: ReadonlyMap<string, string> } {
  let config: unknown;
  let metrics: MetricsRecord[] = [];
  const checkpoints = new Map<number, Uint8Array>();
  const files = new Map<string, string>();
  return {
    name,
    files,
    async writeConfig(value) {
      config = JSON.parse(JSON.stringify(value));
    },
    async readConfig() {
      return config;
    },
    async appendMetrics(records) {
      metrics.push(...records);
    },
    async readMetrics() {
      return metrics.slice();
    },
    async truncateMetrics(iteration) {
      metrics = metrics.filter((r) => r.iteration <= iteration);
    },
    async saveCheckpoint(iteration, bytes) {
      checkpoints.set(iteration, bytes.slice());
    },
    async latestCheckpoint() {
      const iteration = Math.max(-1, ...checkpoints.keys());
      const bytes = checkpoints.get(iteration);
      return bytes === undefined ? undefined : { iteration, bytes, name: `${name}#${iteration}` };
    },
    async writeJson(file, value) {
      files.set(file, `${JSON.stringify(value, null, 2)}\n`);
    },
  };
}
