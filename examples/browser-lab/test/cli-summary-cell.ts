import type { IterationSummary } from '@prefplay/trainers';
import type { FinalTableInput } from '../src/final-table.js';
import type { LabSummary } from '../src/run-lab-experiment.js';

/** The part of the CLI's `summary.json` (packages/cli/src/experiment-analysis.ts) that a lab run reproduces. */
export type CliSummary = {
  readonly seeds: readonly number[];
  readonly cells: readonly {
    readonly label: string;
    readonly methods: Readonly<
      Record<string, { readonly perSeed: Readonly<Record<string, readonly IterationSummary[]>> }>
    >;
    readonly ideal: FinalTableInput['ideal'];
    readonly comparisons: readonly {
      readonly first: string;
      readonly second: string;
      readonly perSeed: readonly {
        readonly seed: number;
        readonly difference: number;
        readonly standardError: number;
      }[];
    }[];
  }[];
};

/** One cell and seed of the CLI's summary as the lab reports it: label, runs, exact dynamics, differences to SPPO. */
export function cliCellOf(cli: CliSummary, seed: number) {
  if (cli.cells.length !== 1) throw new Error(`expected one cell in the CLI's summary, got ${cli.cells.length}`);
  const cell = cli.cells[0] as CliSummary['cells'][number];
  return {
    cell: cell.label,
    methods: Object.fromEntries(
      Object.entries(cell.methods).map(([name, m]) => [name, { iterations: m.perSeed[String(seed)] }]),
    ),
    ideal: cell.ideal,
    comparisons: cell.comparisons
      .filter((c) => c.second === 'sppo')
      .flatMap((c) =>
        c.perSeed.filter((p) => p.seed === seed).map((p) => ({ first: c.first, second: c.second, ...p })),
      ),
  };
}

/** The same part of a lab run's summary, as JSON gives it (NaN as null, like summary.json). */
export function labCellOf(lab: LabSummary) {
  const { cell, methods, ideal, comparisons } = JSON.parse(JSON.stringify(lab)) as LabSummary;
  return { cell, methods, ideal, comparisons };
}

/** The final table's input from a cell in the form `cliCellOf` and `labCellOf` give. */
export function tableInputOf(cell: ReturnType<typeof cliCellOf>): FinalTableInput {
  return {
    methods: Object.fromEntries(Object.entries(cell.methods).map(([name, m]) => [name, m.iterations ?? []])),
    ...(cell.ideal ? { ideal: cell.ideal } : {}),
    comparisons: cell.comparisons,
  };
}
