/** One benchmark: measures ours and, when available, a baseline in the same run. */
export type BenchCase = {
  readonly name: string;
  readonly description: string;
  /** Flat numeric (or string) results; ratios are ours ÷ baseline throughput (> 1 means faster). */
  run(options: { readonly log: (line: string) => void }): Promise<Record<string, number | string | null>>;
};
