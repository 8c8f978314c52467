import { PrefplayError } from '@prefplay/core';

/** One model's items in a group (a prompt), judged against the group's baseline items. */
export type WinRateSample = {
  /** `P(model item a ≻ baseline item b)`: one row per model item, one column per baseline item. */
  readonly matrix: readonly (readonly number[])[];
  /** Multiplicity of each model item (a histogram's counts); default 1 each. */
  readonly weights?: readonly number[];
};

/** A group (usually a prompt): the baseline's items and the samples of each model compared on it. */
export type WinRateGroup = {
  /** Multiplicity of each baseline item (columns of every model's matrix); default 1 each. */
  readonly baselineWeights?: readonly number[];
  /** One entry per model, in the same order in every group. */
  readonly models: readonly WinRateSample[];
};

export type TwoSampleWinRate = {
  /** Mean over groups of the contrast `Σ_m c_m W_m` (the win rate itself for one model). */
  readonly mean: number;
  /** Standard error from both samples: `√(model² + baseline²)`. */
  readonly standardError: number;
  /** The part of the standard error due to the models' own samples. */
  readonly modelStandardError: number;
  /** The part due to the baseline sample, shared by every model compared against it. */
  readonly baselineStandardError: number;
  /** Per group: the contrast and its variance. */
  readonly groups: readonly { readonly mean: number; readonly variance: number }[];
};

function fail(problem: string, field: string, hint: string): never {
  throw new PrefplayError({ code: 'invalid-input', problem, where: { field }, hint });
}

function checkWeights(weights: readonly number[] | undefined, length: number, field: string): number[] {
  if (weights === undefined) return new Array<number>(length).fill(1);
  if (weights.length !== length) {
    fail(`has ${weights.length} weights for ${length} items`, field, 'Give one weight (count) per item');
  }
  weights.forEach((w, i) => {
    if (!(typeof w === 'number' && Number.isFinite(w) && w >= 0)) {
      fail(`weight is ${String(w)}, not a non-negative number`, `${field}[${i}]`, 'Weights are counts');
    }
  });
  return weights.slice();
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/**
 * Win rates against a baseline sample, and contrasts of them (e.g. the paired difference of two
 * methods judged against the same baseline), with standard errors that count the baseline's
 * sampling noise as well as the models'.
 *
 * In each group the win rate of model m is the two-sample U-statistic
 * `W_m = Σ_a Σ_b w_a v_b P_ab / (n_a n_b)`. With the row means `r_a = Σ_b v_b P_ab / n_b` and the
 * column means `c_b = Σ_a w_a P_ab / n_a`, the variance of a contrast `D = Σ_m c_m W_m` of
 * independently drawn model samples against one shared baseline sample is estimated as
 * `Σ_m c_m² S²(r^m) / n_m + S²(Σ_m c_m c^m_b) / n_b` (DeLong's estimator for two-sample
 * U-statistics; `S²` is the weighted sample variance with denominator `n − 1`). A shared baseline
 * enters the paired difference through `c^1_b − c^2_b` only, so its noise largely cancels there.
 * Groups are fixed (the held-out prompts); the mean over `G` groups has variance `Σ_g Var_g / G²`.
 */
export function twoSampleWinRateContrast(
  groups: readonly WinRateGroup[],
  coefficients: readonly number[],
): TwoSampleWinRate {
  if (!Array.isArray(groups) || groups.length === 0) {
    fail('no groups to compare', 'groups', 'Pass one group (prompt) or more');
  }
  const perGroup: { mean: number; variance: number }[] = [];
  let modelVariance = 0;
  let baselineVariance = 0;
  groups.forEach((group, g) => {
    const field = `groups[${g}]`;
    if (group.models.length !== coefficients.length) {
      fail(
        `has ${group.models.length} models for ${coefficients.length} coefficients`,
        `${field}.models`,
        'Give every group the same models, one per coefficient',
      );
    }
    const first = group.models[0]?.matrix[0];
    const columns = first?.length ?? group.baselineWeights?.length ?? 0;
    const v = checkWeights(group.baselineWeights, columns, `${field}.baselineWeights`);
    const nb = sum(v);
    if (!(nb > 1)) fail(`the baseline has ${nb} items`, `${field}.baselineWeights`, 'Give at least two items');
    let mean = 0;
    let modelPart = 0;
    const combinedColumns = new Array<number>(columns).fill(0);
    group.models.forEach((model: WinRateSample, m: number) => {
      const modelField = `${field}.models[${m}]`;
      const rows = model.matrix.length;
      const w = checkWeights(model.weights, rows, `${modelField}.weights`);
      const na = sum(w);
      if (!(na > 1)) fail(`the model has ${na} items`, `${modelField}.weights`, 'Give at least two items');
      const rowMeans = new Array<number>(rows).fill(0);
      const columnMeans = new Array<number>(columns).fill(0);
      for (let a = 0; a < rows; a++) {
        const row = model.matrix[a];
        if (!Array.isArray(row) || row.length !== columns) {
          fail(
            `row has ${row?.length ?? 0} entries for ${columns} baseline items`,
            `${modelField}.matrix[${a}]`,
            'Give one column per baseline item',
          );
        }
        let r = 0;
        for (let b = 0; b < columns; b++) {
          const p = row[b] as number;
          if (!(typeof p === 'number' && p >= 0 && p <= 1)) {
            fail(`entry is ${String(p)}, outside [0, 1]`, `${modelField}.matrix[${a}][${b}]`, 'Entries are P(a ≻ b)');
          }
          r += (v[b] as number) * p;
          columnMeans[b] = (columnMeans[b] as number) + (w[a] as number) * p;
        }
        rowMeans[a] = r / nb;
      }
      let winRate = 0;
      for (let a = 0; a < rows; a++) winRate += (w[a] as number) * (rowMeans[a] as number);
      winRate /= na;
      let squares = 0;
      for (let a = 0; a < rows; a++) squares += (w[a] as number) * ((rowMeans[a] as number) - winRate) ** 2;
      const c = coefficients[m] as number;
      mean += c * winRate;
      modelPart += (c * c * (squares / (na - 1))) / na;
      for (let b = 0; b < columns; b++) {
        combinedColumns[b] = (combinedColumns[b] as number) + (c * (columnMeans[b] as number)) / na;
      }
    });
    let columnMean = 0;
    for (let b = 0; b < columns; b++) columnMean += (v[b] as number) * (combinedColumns[b] as number);
    columnMean /= nb;
    let squares = 0;
    for (let b = 0; b < columns; b++) squares += (v[b] as number) * ((combinedColumns[b] as number) - columnMean) ** 2;
    const baselinePart = squares / (nb - 1) / nb;
    perGroup.push({ mean, variance: modelPart + baselinePart });
    modelVariance += modelPart;
    baselineVariance += baselinePart;
  });
  const count = groups.length;
  const mean = sum(perGroup.map((g) => g.mean)) / count;
  const modelStandardError = Math.sqrt(modelVariance) / count;
  const baselineStandardError = Math.sqrt(baselineVariance) / count;
  return {
    mean,
    standardError: Math.sqrt(modelVariance + baselineVariance) / count,
    modelStandardError,
    baselineStandardError,
    groups: perGroup,
  };
}

/**
 * The win rate of one model's samples against a baseline sample, mean over groups, with a
 * standard error that includes the baseline's noise (see `twoSampleWinRateContrast`).
 */
export function twoSampleWinRate(
  groups: readonly { readonly baselineWeights?: readonly number[]; readonly model: WinRateSample }[],
): TwoSampleWinRate {
  return twoSampleWinRateContrast(
    groups.map((g) => ({ ...(g.baselineWeights ? { baselineWeights: g.baselineWeights } : {}), models: [g.model] })),
    [1],
  );
}

/**
 * The paired difference `W_first − W_second` of two models' win rates against the same baseline
 * sample, with its standard error (independent model samples, one shared baseline sample).
 */
export function twoSampleWinRateDifference(
  groups: readonly {
    readonly baselineWeights?: readonly number[];
    readonly first: WinRateSample;
    readonly second: WinRateSample;
  }[],
): TwoSampleWinRate {
  return twoSampleWinRateContrast(
    groups.map((g) => ({
      ...(g.baselineWeights ? { baselineWeights: g.baselineWeights } : {}),
      models: [g.first, g.second],
    })),
    [1, -1],
  );
}
