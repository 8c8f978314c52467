/** Options every case receives; a case may ignore those it has no use for. */
export type BenchRunOptions = {
  readonly log: (line: string) => void;
  /** Interleaved rounds (ours, then the baseline, in each): at least 5 unless `quick`. */
  readonly rounds?: number;
  /** Fewer rounds and repetitions, for development; the numbers are not for the README. */
  readonly quick?: boolean;
  /** Sub-cases to run (e.g. `train-t64`); empty or absent means all of the case's sub-cases. */
  readonly subcases?: readonly string[];
};

/** One benchmark: measures ours and, when available, a baseline in the same run. */
export type BenchCase = {
  readonly name: string;
  readonly description: string;
  /** Flat numeric (or string) results; ratios are ours ÷ baseline throughput (> 1 means faster). */
  run(options: BenchRunOptions): Promise<Record<string, number | string | null>>;
};
