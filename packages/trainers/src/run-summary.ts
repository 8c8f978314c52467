/** The numbers of one iteration (iteration 0 is the starting policy). */
export type IterationSummary = { readonly iteration: number; readonly [metric: string]: number };

export type MethodSummary = {
  /** Per iteration; with several seeds, the mean over seeds. */
  readonly iterations: readonly IterationSummary[];
  /** Per-seed iterations, keyed by the seed, when the run had several seeds. */
  readonly perSeed?: Readonly<Record<string, readonly IterationSummary[]>>;
};

/** `summary.json` of a run directory. */
export type RunSummary = {
  readonly methods: Readonly<Record<string, MethodSummary>>;
  readonly seeds: readonly number[];
  readonly config: unknown;
};

/**
 * Averages per-seed iteration summaries key by key. Keys ending in `SE` are combined as the
 * standard error of a mean of independent estimates, `sqrt(Σ SE_i²) / n`.
 */
export function meanOverSeeds(perSeed: readonly (readonly IterationSummary[])[]): IterationSummary[] {
  const length = Math.min(...perSeed.map((s) => s.length));
  const out: IterationSummary[] = [];
  for (let i = 0; i < length; i++) {
    const rows = perSeed.map((s) => s[i] as IterationSummary);
    const keys = new Set(rows.flatMap((r) => Object.keys(r)));
    const merged: Record<string, number> = {};
    for (const key of keys) {
      const values = rows.map((r) => r[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (values.length === 0) continue;
      merged[key] = key.endsWith('SE')
        ? Math.sqrt(values.reduce((s, v) => s + v * v, 0)) / values.length
        : values.reduce((s, v) => s + v, 0) / values.length;
    }
    out.push({ ...merged, iteration: rows[0]?.iteration ?? i });
  }
  return out;
}
