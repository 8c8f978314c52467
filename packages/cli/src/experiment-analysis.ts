import { type PerSeedSummary, perSeedSummary } from '@prefplay/evaluators';
import { type MeaningHistogram, pairedWinRateDifference, type SyntheticTask } from '@prefplay/synthetic';
import { type IterationSummary, type MethodSummary, meanOverSeeds } from '@prefplay/trainers';

/** One combination of the task's factors. */
export type CellSpec = {
  readonly label: string;
  readonly overconfidence: number;
  readonly concision: number;
  readonly dominantClaimShare: number | null;
};

/** Everything kept of one learned run (seed × cell × method). */
export type RunRecord = {
  readonly seed: number;
  readonly cell: CellSpec;
  readonly method: string;
  /** The trainer's method (`sppo`, `s-sppo`, `iterative-dpo`, `iterative-ipo`). */
  readonly algorithm: string;
  readonly encoder: string;
  /** Whether the semantic gate was on. */
  readonly calibrated: boolean;
  /** CPU time of the run (training and evaluation). */
  readonly cpuSeconds?: number;
  iterations: IterationSummary[];
  /** The evaluation's meaning histograms, `[iteration][prompt]`. */
  readonly histograms: readonly (readonly MeaningHistogram[])[];
  /** Precision and recall of "same meaning" by the gate's encoder at its threshold, on the base sample. */
  readonly encoderQuality?: { readonly precision: number; readonly recall: number; readonly threshold: number };
  /** Label of the cell this run was trained in, when it is reported in another (identical targets). */
  readonly sharedWith?: string;
  /** What the truth needs to compare histograms: the task of the run's cell. */
  readonly task: SyntheticTask;
  readonly baseHistograms: readonly MeaningHistogram[];
};

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** A paired difference of final true win rates between two methods (or two cells), per seed. */
export type PairedComparison = {
  readonly first: string;
  readonly second: string;
  readonly perSeed: readonly { readonly seed: number; readonly difference: number; readonly standardError: number }[];
  readonly summary: PerSeedSummary;
};

function pairedDifference(first: RunRecord, second: RunRecord): { difference: number; standardError: number } {
  return pairedWinRateDifference({
    task: first.task,
    baseHistograms: first.baseHistograms,
    first: first.histograms[first.histograms.length - 1] ?? [],
    second: second.histograms[second.histograms.length - 1] ?? [],
  });
}

function compare(firstRuns: readonly RunRecord[], secondRuns: readonly RunRecord[], first: string, second: string) {
  const perSeed = firstRuns.flatMap((a) => {
    const b = secondRuns.find((r) => r.seed === a.seed);
    return b === undefined ? [] : [{ seed: a.seed, ...pairedDifference(a, b) }];
  });
  return perSeed.length === 0
    ? undefined
    : { first, second, perSeed, summary: perSeedSummary(perSeed.map((p) => p.difference)) };
}

/** One pre-registered criterion checked on one cell. */
export type CriterionVerdict = {
  readonly criterion: 'i' | 'ii' | 'iii';
  readonly cell: string;
  readonly pass: boolean;
  /** The criterion and its numbers, in one sentence. */
  readonly statement: string;
};

type CellAnalysis = {
  readonly cell: CellSpec;
  readonly methods: Record<string, MethodSummary>;
  readonly ideal: Record<string, { iterations: IterationSummary[] }>;
  readonly comparisons: PairedComparison[];
  /** The same method against the clean cell (κ = 0) of the same concision and corpus, per seed. */
  readonly versusClean: PairedComparison[];
  readonly encoderQuality: Record<string, { precision: number; recall: number; threshold: number }>;
};

/** One cell as `summary.json` holds it: its factors, per-method curves (mean and per seed), ideal curves and comparisons. */
export type SummaryCell = CellSpec & {
  readonly methods: Readonly<Record<string, MethodSummary>>;
  readonly ideal: Readonly<Record<string, { readonly iterations: readonly IterationSummary[] }>>;
  readonly comparisons: readonly PairedComparison[];
  readonly versusClean: readonly PairedComparison[];
  readonly encoderQuality: Readonly<Record<string, { precision: number; recall: number; threshold: number }>>;
};

/** `summary.json` of an experiment. */
export type ExperimentSummary = {
  /** The default cell's methods (κ = 4 on the default task when present), as in earlier summaries. */
  readonly methods: Readonly<Record<string, MethodSummary>>;
  readonly seeds: readonly number[];
  readonly config: unknown;
  readonly defaultCell: string;
  readonly verdicts: readonly CriterionVerdict[];
  readonly cells: readonly SummaryCell[];
  /** Every learned run, flat: seed, the cell's factors, method and its iterations. */
  readonly runs: readonly {
    readonly seed: number;
    readonly overconfidence: number;
    readonly concision: number;
    readonly dominantClaimShare: number | null;
    readonly method: string;
    readonly encoder: string;
    readonly sharedWith?: string;
    readonly iterations: readonly Record<string, number>[];
  }[];
};

export type ExperimentAnalysis = {
  readonly cells: readonly CellAnalysis[];
  readonly verdicts: readonly CriterionVerdict[];
  readonly seeds: readonly number[];
  readonly summary: ExperimentSummary;
};

const runFields = [
  'winRateVsBase',
  'winRateVsBaseSE',
  'exploitability',
  'meanLength',
  'fillers',
  'wellFormed',
  'distinctMeanings',
  'meaningEntropy',
  'distinct2',
  'stepFraction',
  'logps/chosen_change',
  'logps/rejected_change',
] as const;

const final = (run: RunRecord): IterationSummary => run.iterations[run.iterations.length - 1] as IterationSummary;
const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

/** The per-cell aggregates, paired comparisons and the pre-registered criteria of an experiment. */
export function analyseExperiment(input: {
  readonly config: { readonly seeds: readonly number[] } & Record<string, unknown>;
  readonly cells: readonly CellSpec[];
  readonly records: readonly RunRecord[];
  readonly ideals: readonly { seed: number; cell: CellSpec; curves: Record<string, IterationSummary[]> }[];
  /** Name of the SPPO and S-SPPO runs the criteria read (default `sppo`, `s-sppo`). */
  readonly names?: { readonly sppo: string; readonly sSppo: string };
}): ExperimentAnalysis {
  const { records, cells } = input;
  const names = input.names ?? { sppo: 'sppo', sSppo: 's-sppo' };
  const seeds = [...input.config.seeds];
  const methodNames = [...new Set(records.map((r) => r.method))];
  const runsOf = (cell: CellSpec, method: string) =>
    records.filter((r) => r.cell.label === cell.label && r.method === method);
  const cellAnalyses: CellAnalysis[] = cells.map((cell) => {
    const methods: Record<string, MethodSummary> = {};
    for (const name of methodNames) {
      const runs = runsOf(cell, name);
      if (runs.length === 0) continue;
      methods[name] = {
        iterations: meanOverSeeds(runs.map((r) => r.iterations)),
        perSeed: Object.fromEntries(runs.map((r) => [String(r.seed), r.iterations])),
      };
    }
    const ideal: Record<string, { iterations: IterationSummary[] }> = {};
    const cellIdeals = input.ideals.filter((i) => i.cell.label === cell.label);
    for (const name of new Set(cellIdeals.flatMap((i) => Object.keys(i.curves)))) {
      ideal[name] = { iterations: meanOverSeeds(cellIdeals.map((i) => i.curves[name] ?? [])) };
    }
    const comparisons: PairedComparison[] = [];
    const pairs: [string, string][] = [];
    for (const name of methodNames) if (name !== names.sppo) pairs.push([name, names.sppo]);
    for (const name of methodNames) {
      if (name !== names.sppo && name !== names.sSppo) pairs.push([names.sSppo, name]);
    }
    for (const [a, b] of pairs) {
      const result = compare(runsOf(cell, a), runsOf(cell, b), a, b);
      if (result) comparisons.push(result);
    }
    const clean = cells.find(
      (c) =>
        c.overconfidence === 0 && c.concision === cell.concision && c.dominantClaimShare === cell.dominantClaimShare,
    );
    const versusClean: PairedComparison[] = [];
    if (clean !== undefined && clean.label !== cell.label) {
      for (const name of methodNames) {
        const result = compare(
          runsOf(cell, name),
          runsOf(clean, name),
          `${name} @ ${cell.label}`,
          `${name} @ ${clean.label}`,
        );
        if (result) versusClean.push(result);
      }
    }
    const encoderQuality: CellAnalysis['encoderQuality'] = {};
    for (const name of methodNames) {
      const measured = runsOf(cell, name).flatMap((r) => (r.encoderQuality ? [r.encoderQuality] : []));
      if (measured.length === 0) continue;
      encoderQuality[name] = {
        precision: mean(measured.map((m) => m.precision)),
        recall: mean(measured.map((m) => m.recall)),
        threshold: measured[0]?.threshold as number,
      };
    }
    return { cell, methods, ideal, comparisons, versusClean, encoderQuality };
  });

  const verdicts: CriterionVerdict[] = [];
  for (const analysis of cellAnalyses) {
    const { cell } = analysis;
    const sppo = runsOf(cell, names.sppo);
    const sSppo = runsOf(cell, names.sSppo);
    if (sppo.length === 0 || sSppo.length === 0) continue;
    const wins = (runs: readonly RunRecord[]) => runs.map((r) => final(r).winRateVsBase as number);
    const describe = (runs: readonly RunRecord[]) => {
      const w = wins(runs);
      const robust = runs.filter(
        (r) => (final(r).winRateVsBase as number) - 1.96 * (final(r).winRateVsBaseSE as number) > 0.5,
      ).length;
      return `${fmt(mean(w))} (seeds ${w.map((x) => fmt(x)).join(', ')}; ${w.filter((x) => x > 0.5).length}/${w.length} above 0.5, ${robust} by more than 1.96 SE)`;
    };
    if (cell.overconfidence === 0) {
      const pass = [...wins(sppo), ...wins(sSppo)].every((w) => w > 0.5);
      verdicts.push({
        criterion: 'i',
        cell: cell.label,
        pass,
        statement: `with the clean oracle both methods end above the base in every seed: SPPO ${describe(sppo)}; S-SPPO ${describe(sSppo)}`,
      });
    } else {
      const comparison = analysis.comparisons.find((c) => c.first === names.sSppo && c.second === names.sppo);
      if (comparison) {
        const positive = comparison.perSeed.filter((p) => p.difference > 0).length;
        const robust = comparison.perSeed.filter((p) => p.difference - 1.96 * p.standardError > 0).length;
        verdicts.push({
          criterion: 'ii',
          cell: cell.label,
          pass: positive === comparison.perSeed.length,
          statement:
            `under the overconfident oracle S-SPPO minus SPPO is above 0 in every seed: mean ${fmt(comparison.summary.mean)} ` +
            `(seed-to-seed SE ${fmt(comparison.summary.standardError)}; seeds ${comparison.perSeed
              .map((p) => `${fmt(p.difference)}±${fmt(p.standardError)}`)
              .join(', ')}; ${positive}/${comparison.perSeed.length} above 0, ${robust} by more than 1.96 SE)`,
        });
      }
      const below = wins(sppo).filter((w) => w < 0.5).length;
      verdicts.push({
        criterion: 'iii',
        cell: cell.label,
        pass: below > sppo.length / 2,
        statement: `SPPO under the overconfident oracle ends below the base in most seeds: ${below}/${sppo.length} below 0.5, mean ${describe(sppo)}`,
      });
    }
  }

  const defaults = { overconfidence: 4, concision: 1, dominantClaimShare: 2 / 3 };
  const defaultCell =
    cells.find(
      (c) =>
        c.overconfidence === defaults.overconfidence &&
        c.concision === defaults.concision &&
        c.dominantClaimShare === defaults.dominantClaimShare,
    ) ??
    cells.find((c) => c.overconfidence === defaults.overconfidence) ??
    (cells[0] as CellSpec);
  const summary: ExperimentSummary = {
    methods: cellAnalyses.find((c) => c.cell.label === defaultCell.label)?.methods ?? {},
    seeds,
    config: input.config,
    defaultCell: defaultCell.label,
    verdicts,
    cells: cellAnalyses.map((c) => ({
      ...c.cell,
      methods: c.methods,
      ideal: c.ideal,
      comparisons: c.comparisons,
      versusClean: c.versusClean,
      encoderQuality: c.encoderQuality,
    })),
    runs: records.map((r) => ({
      seed: r.seed,
      overconfidence: r.cell.overconfidence,
      concision: r.cell.concision,
      dominantClaimShare: r.cell.dominantClaimShare,
      method: r.method,
      encoder: r.encoder,
      ...(r.sharedWith !== undefined ? { sharedWith: r.sharedWith } : {}),
      ...(r.encoderQuality ? { encoderQuality: r.encoderQuality } : {}),
      iterations: r.iterations.map((row) => {
        const out: Record<string, number> = { iteration: row.iteration };
        for (const key of runFields) if (typeof row[key] === 'number') out[key] = row[key] as number;
        return out;
      }),
    })),
  };
  return { cells: cellAnalyses, verdicts, seeds, summary };
}
