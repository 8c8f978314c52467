import { PrefplayError } from '@prefplay/core';

export type PerSeedSummary = {
  readonly count: number;
  readonly mean: number;
  /** Sample standard deviation across seeds (n − 1); NaN for one seed. */
  readonly standardDeviation: number;
  /** `standardDeviation / √n`: the seed-to-seed standard error of the mean. */
  readonly standardError: number;
  readonly min: number;
  readonly max: number;
  /** Seeds with a value above 0. */
  readonly positive: number;
  /** Seeds with a value below 0. */
  readonly negative: number;
};

/** Mean, spread and sign counts of one number per seed (e.g. a paired difference per seed). */
export function perSeedSummary(values: readonly number[]): PerSeedSummary {
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem:
        values.length === 0
          ? 'perSeedSummary needs at least one value'
          : `a value is not finite: [${values.join(', ')}]`,
      where: { field: 'values' },
      hint: 'Pass one finite number per seed',
    });
  }
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const standardDeviation = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : Number.NaN;
  return {
    count: n,
    mean,
    standardDeviation,
    standardError: standardDeviation / Math.sqrt(n),
    min: Math.min(...values),
    max: Math.max(...values),
    positive: values.filter((v) => v > 0).length,
    negative: values.filter((v) => v < 0).length,
  };
}
