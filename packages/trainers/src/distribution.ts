/** Mean and quantiles of a sample, as logged for `s`, `g(s)` and latent distances. */
export type Distribution = {
  readonly count: number;
  readonly mean: number;
  readonly min: number;
  readonly q10: number;
  readonly q25: number;
  readonly q50: number;
  readonly q75: number;
  readonly q90: number;
  readonly max: number;
};

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower] as number;
  const b = sorted[upper] as number;
  return a + (b - a) * (position - lower);
}

/**
 * Summarises values by count, mean, min, max and the 10/25/50/75/90 % quantiles (linear
 * interpolation between order statistics, numpy's default). An empty sample gives NaN statistics.
 */
export function describeDistribution(values: readonly number[]): Distribution {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mean = sorted.length === 0 ? Number.NaN : sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    count: sorted.length,
    mean,
    min: sorted.length === 0 ? Number.NaN : (sorted[0] as number),
    q10: quantile(sorted, 0.1),
    q25: quantile(sorted, 0.25),
    q50: quantile(sorted, 0.5),
    q75: quantile(sorted, 0.75),
    q90: quantile(sorted, 0.9),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
  };
}

/** Flattens a distribution into metric entries `<prefix>/mean`, `<prefix>/q50`, .... */
export function distributionMetrics(prefix: string, distribution: Distribution): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(distribution)) out[`${prefix}/${key}`] = value;
  return out;
}
