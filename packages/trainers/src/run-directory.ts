import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PrefplayError, writeFileAtomic } from '@prefplay/core';

/** One line of `metrics.jsonl`. */
export type MetricsRecord = {
  readonly kind: 'step' | 'iteration' | 'event';
  readonly method: string;
  readonly iteration: number;
  readonly [key: string]: unknown;
};

/** The files of one run: `config.json`, `metrics.jsonl`, `checkpoints/`, `summary.json`, `report.html`. */
export type RunDirectory = {
  readonly path: string;
  readonly checkpointsPath: string;
  writeConfig(config: unknown): Promise<void>;
  appendMetrics(records: readonly MetricsRecord[]): Promise<void>;
  readMetrics(): Promise<MetricsRecord[]>;
  /** Keeps only the records of iterations up to `iteration` (used when resuming). */
  truncateMetrics(iteration: number): Promise<void>;
  writeJson(name: string, value: unknown): Promise<void>;
  writeText(name: string, text: string): Promise<void>;
};

/** Opens (creating if needed) a run directory. */
export async function openRunDirectory(path: string): Promise<RunDirectory> {
  const checkpointsPath = join(path, 'checkpoints');
  await mkdir(checkpointsPath, { recursive: true });
  const metricsPath = join(path, 'metrics.jsonl');
  const dir: RunDirectory = {
    path,
    checkpointsPath,
    async writeConfig(config) {
      await writeFileAtomic(join(path, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    },
    async appendMetrics(records) {
      if (records.length === 0) return;
      await appendFile(metricsPath, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    },
    async readMetrics() {
      return readMetricsFile(metricsPath);
    },
    async truncateMetrics(iteration) {
      const kept = (await dir.readMetrics()).filter((r) => r.iteration <= iteration);
      await writeFileAtomic(metricsPath, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    },
    async writeJson(name, value) {
      await writeFileAtomic(join(path, name), `${JSON.stringify(value, null, 2)}\n`);
    },
    async writeText(name, text) {
      await writeFileAtomic(join(path, name), text);
    },
  };
  return dir;
}

/** Reads a `metrics.jsonl` file; a malformed line is reported with its number. */
export async function readMetricsFile(path: string): Promise<MetricsRecord[]> {
  if (!existsSync(path)) return [];
  const text = await readFile(path, 'utf8');
  const out: MetricsRecord[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as MetricsRecord);
    } catch (error) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: 'a metrics line is not valid JSON',
        where: { file: path, line: index + 1 },
        hint: 'Remove or repair that line',
        cause: error,
      });
    }
  });
  return out;
}

/** Checkpoint files of a run, oldest first, as `{ iteration, path }`. */
export async function listCheckpoints(checkpointsPath: string): Promise<{ iteration: number; path: string }[]> {
  if (!existsSync(checkpointsPath)) return [];
  const names = await readdir(checkpointsPath);
  return names
    .map((name) => ({ name, match: /^iteration-(\d+)\.ckpt$/.exec(name) }))
    .filter((e) => e.match !== null)
    .map((e) => ({ iteration: Number(e.match?.[1]), path: join(checkpointsPath, e.name) }))
    .sort((a, b) => a.iteration - b.iteration);
}

/** File name of the checkpoint written at the end of `iteration`. */
export function checkpointFileName(iteration: number): string {
  return `iteration-${String(iteration).padStart(4, '0')}.ckpt`;
}
