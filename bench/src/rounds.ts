/** Median, smallest and largest of a non-empty list. */
export type Spread = { readonly median: number; readonly min: number; readonly max: number };

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** `{ key: median, keyMin: min, keyMax: max }`, or nulls when there are no values. */
export function spreadFields(key: string, values: readonly number[]): Record<string, number | null> {
  if (values.length === 0) return { [key]: null, [`${key}Min`]: null, [`${key}Max`]: null };
  const s = spread(values);
  return { [key]: s.median, [`${key}Min`]: s.min, [`${key}Max`]: s.max };
}

/** Formats a spread as `median (min–max)` with `digits` decimals. */
export function formatSpread(values: readonly number[], digits: number): string {
  if (values.length === 0) return 'n/a';
  const s = spread(values);
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}
