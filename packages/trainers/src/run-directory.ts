import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PrefplayError } from '@prefplay/core';
import { writeFileAtomic } from '@prefplay/core/node';
import type { MetricsRecord, RunStore } from './run-store.js';

/**
 * How to open a run directory: `create` refuses one that is not empty, `resume` continues the
 * run in it, `overwrite` deletes the previous run's files first (only if it holds a run).
 */
export type RunDirectoryMode = 'create' | 'resume' | 'overwrite';

/** A run store on disk: `config.json`, `metrics.jsonl`, `checkpoints/iteration-NNNN.ckpt`, `summary.json`. */
export type RunDirectory = RunStore & {
  readonly path: string;
  readonly checkpointsPath: string;
  /** Writes a text file (e.g. `report.html`), atomically. */
  writeText(name: string, text: string): Promise<void>;
};

/** Whether `path` holds files of a prefplay run (a config or a checkpoint). */
export function isRunDirectory(path: string): boolean {
  return existsSync(join(path, 'config.json')) || existsSync(join(path, 'checkpoints'));
}

async function isEmpty(path: string): Promise<boolean> {
  if (!existsSync(path)) return true;
  return (await readdir(path)).length === 0;
}

/**
 * Opens a run directory. With the default mode `create`, a directory that exists and is not
 * empty is refused (so two runs never mix their files); pass `resume` or `overwrite` to say
 * what to do with it.
 */
export async function openRunDirectory(
  path: string,
  options: { readonly mode?: RunDirectoryMode } = {},
): Promise<RunDirectory> {
  const mode = options.mode ?? 'create';
  if (mode === 'create' && !(await isEmpty(path))) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `the run directory ${path} already exists and is not empty`,
      where: { file: path },
      hint: 'Pass --resume to continue the run in it, --overwrite to replace it, or choose another --out',
    });
  }
  if (mode === 'overwrite' && !(await isEmpty(path))) {
    if (!isRunDirectory(path)) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: `refusing to overwrite ${path}: it is not empty and holds no prefplay run (no config.json or checkpoints/)`,
        where: { file: path },
        hint: 'Choose another --out, or empty the directory yourself',
      });
    }
    await rm(path, { recursive: true, force: true });
  }
  const checkpointsPath = join(path, 'checkpoints');
  await mkdir(checkpointsPath, { recursive: true });
  const metricsPath = join(path, 'metrics.jsonl');
  const configPath = join(path, 'config.json');
  const dir: RunDirectory = {
    name: path,
    path,
    checkpointsPath,
    async writeConfig(config) {
      await writeFileAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`);
    },
    async readConfig() {
      if (!existsSync(configPath)) return undefined;
      return JSON.parse(await readFile(configPath, 'utf8')) as unknown;
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
    async saveCheckpoint(iteration, bytes) {
      await writeFileAtomic(join(checkpointsPath, checkpointFileName(iteration)), bytes);
    },
    async latestCheckpoint() {
      const all = await listCheckpoints(checkpointsPath);
      const latest = all[all.length - 1];
      if (latest === undefined) return undefined;
      return { iteration: latest.iteration, bytes: await readFile(latest.path), name: latest.path };
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
