import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PrefplayError } from '@prefplay/core';
import { writeFileAtomic } from '@prefplay/core/node';
import { type IterationSummary, type MethodSummary, meanOverSeeds, type RunSummary } from '@prefplay/trainers';
import { readMetricsFile } from '@prefplay/trainers/node';
import { z } from 'zod';
import { type Command, exitCodes } from '../command.js';
import type { ExperimentSummary } from '../experiment-analysis.js';
import { formatExperimentText, renderExperimentReport } from '../experiment-report.js';
import { formatFinalTable, renderReportHtml } from '../report-html.js';
import { experimentReportLayout } from '../report-layout.js';

const help = `Usage: prefplay report RUN_DIR

Rebuilds RUN_DIR/report.html (one self-contained page with inline SVG plots, one line per method,
and the final table) from RUN_DIR/summary.json (for an experiment of prefplay reproduce or train:
its verdicts, per-seed curves, exact dynamics and tables per cell); when there is no summary yet (a run that was
interrupted), from RUN_DIR/metrics.jsonl or, for an experiment, from the iterations that every
seed completed in RUN_DIR/seed-*/<method>/metrics.jsonl. Prints the final table.
`;

const iterationSchema = z.looseObject({ iteration: z.number() });
const summarySchema = z.object({
  methods: z.record(
    z.string(),
    z.looseObject({
      iterations: z.array(iterationSchema),
      perSeed: z.record(z.string(), z.array(iterationSchema)).optional(),
    }),
  ),
  seeds: z.array(z.number()).default([]),
  config: z.unknown(),
});

/** The parts of an experiment's summary.json its report reads. */
const experimentSummarySchema = z.looseObject({
  seeds: z.array(z.number()),
  verdicts: z.array(
    z.looseObject({ criterion: z.string(), cell: z.string(), pass: z.boolean(), statement: z.string() }),
  ),
  cells: z.array(
    z.looseObject({
      label: z.string(),
      methods: z.record(z.string(), z.looseObject({ iterations: z.array(iterationSchema) })),
      ideal: z.record(z.string(), z.looseObject({ iterations: z.array(iterationSchema) })),
      comparisons: z.array(z.looseObject({ first: z.string(), second: z.string() })),
      encoderQuality: z.record(z.string(), z.unknown()),
    }),
  ),
});

/** A summary rebuilt from the `iteration` records of a metrics file. */
export async function summaryFromMetrics(path: string): Promise<RunSummary> {
  const records = await readMetricsFile(path);
  const methods: Record<string, IterationSummary[]> = {};
  for (const record of records) {
    if (record.kind !== 'iteration') continue;
    const numbers: Record<string, number> = {};
    for (const [k, v] of Object.entries(record.metrics)) if (typeof v === 'number') numbers[k] = v;
    const rows = methods[record.run] ?? [];
    rows.push({ ...numbers, iteration: record.iteration });
    methods[record.run] = rows;
  }
  return {
    methods: Object.fromEntries(Object.entries(methods).map(([m, rows]) => [m, { iterations: rows }])),
    seeds: [],
    config: null,
  };
}

/**
 * The summary of an experiment directory that has none yet (an interrupted run): each
 * `seed-N/<method>/metrics.jsonl`, keeping for each method the iterations every seed completed,
 * averaged over seeds.
 */
export async function summaryFromRunTree(root: string): Promise<RunSummary | undefined> {
  const seedDirs = (await readdir(root, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && /^seed-\d+$/.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  const perMethod: Record<string, IterationSummary[][]> = {};
  for (const seedDir of seedDirs) {
    // seed-N/<method>/ or, for an experiment with cells, seed-N/<cell>/<method>/
    const runs: { path: string; cell?: string }[] = [];
    for (const entry of await readdir(join(root, seedDir), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(root, seedDir, entry.name, 'metrics.jsonl');
      if (existsSync(path)) {
        runs.push({ path });
        continue;
      }
      for (const inner of await readdir(join(root, seedDir, entry.name), { withFileTypes: true })) {
        const nested = join(root, seedDir, entry.name, inner.name, 'metrics.jsonl');
        if (inner.isDirectory() && existsSync(nested)) runs.push({ path: nested, cell: entry.name });
      }
    }
    for (const run of runs) {
      const summary = await summaryFromMetrics(run.path);
      for (const [method, rows] of Object.entries(summary.methods)) {
        const name = run.cell === undefined ? method : `${method} @ ${run.cell}`;
        perMethod[name] ??= [];
        perMethod[name].push([...rows.iterations]);
      }
    }
  }
  const names = Object.keys(perMethod);
  if (names.length === 0) return undefined;
  const methods: Record<string, MethodSummary> = {};
  for (const name of names) methods[name] = { iterations: meanOverSeeds(perMethod[name] ?? []) };
  return { methods, seeds: seedDirs.map((d) => Number(d.slice(5))), config: null };
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'rebuild report.html of a run directory',
  help,
  async run(args, io) {
    const { positionals } = parseArgs({ args: [...args], options: {}, strict: true, allowPositionals: true });
    const dir = positionals[0];
    if (dir === undefined) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: 'report needs a run directory',
        hint: 'Run prefplay report RUN_DIR',
      });
    }
    const root = resolve(io.cwd, dir);
    const summaryPath = join(root, 'summary.json');
    const metricsPath = join(root, 'metrics.jsonl');
    let summary: RunSummary;
    if (existsSync(summaryPath)) {
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(summaryPath, 'utf8'));
      } catch (error) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: 'summary.json is not valid JSON',
          where: { file: summaryPath },
          hint: 'Delete it to rebuild the report from metrics.jsonl',
          cause: error,
        });
      }
      const parsed = summarySchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `summary.json does not look like a prefplay summary: ${issue?.message ?? 'unknown problem'}`,
          where: { file: summaryPath, field: issue?.path.join('.') ?? '' },
          hint: 'Delete it to rebuild the report from metrics.jsonl',
        });
      }
      if (experimentSummarySchema.safeParse(raw).success) {
        const experiment = raw as ExperimentSummary;
        const out = join(root, 'report.html');
        await writeFileAtomic(out, renderExperimentReport(experiment));
        io.stdout(`${formatExperimentText(experiment)}\nReport: ${out}\n`);
        return exitCodes.ok;
      }
      summary = parsed.data as RunSummary;
    } else if (existsSync(metricsPath)) {
      summary = await summaryFromMetrics(metricsPath);
    } else if (existsSync(root) && (await summaryFromRunTree(root)) !== undefined) {
      summary = (await summaryFromRunTree(root)) as RunSummary;
    } else {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `${root} holds neither summary.json nor metrics.jsonl`,
        where: { file: root },
        hint: 'Pass the directory a prefplay run wrote',
      });
    }
    const out = join(root, 'report.html');
    await writeFileAtomic(out, renderReportHtml(summary, experimentReportLayout));
    io.stdout(`${formatFinalTable(summary, experimentReportLayout.columns)}\n\nReport: ${out}\n`);
    return exitCodes.ok;
  },
};
