import { PrefplayError, parseOptions } from '@prefplay/core';
import { z } from 'zod';
import { aggregateBattleTable, type BattleTable, isBattleTable } from './aggregate-battle-table.js';
import { aggregateBattles, type Battle, type BattleCounts, isBattleCounts } from './aggregate-battles.js';
import { assertMleExists } from './comparison-graph.js';
import { eloScale } from './elo-ratings.js';

export const fitBradleyTerryOptionsSchema = z
  .object({
    /** How ties count: half a win for each side, or Davidson's tie model with ν ≥ 0 fitted jointly. */
    ties: z.enum(['half', 'davidson']).default('half'),
    /** L2 penalty `(ridge/2)·Σθ²` on the log-strengths; > 0 makes every comparison graph finite. */
    ridge: z.number().min(0).max(1e6).default(0),
    /** Fix one model's rating (Elo display scale, default 1000) instead of `Σθ = 0`. */
    anchor: z
      .object({
        model: z.string().min(1),
        rating: z.number().min(-1e7).max(1e7).optional(),
      })
      .strict()
      .optional(),
    maxIterations: z.number().int().min(1).max(10_000).default(100),
    /** Stop when the largest Newton step is below this. */
    tolerance: z.number().positive().max(1e-2).default(1e-10),
  })
  .strict();

export type FitBradleyTerryOptions = z.input<typeof fitBradleyTerryOptionsSchema>;
type FitSettings = z.output<typeof fitBradleyTerryOptionsSchema>;

export type BradleyTerryFit = {
  /** Model names, sorted. */
  readonly models: string[];
  /** Log-strengths `θ` (natural scale): `P(i ≻ j) = σ(θ_i − θ_j)`; zero-sum unless anchored. */
  readonly theta: number[];
  /** Davidson's tie parameter `ν` (only with `ties: 'davidson'`). */
  readonly nu?: number;
  /** Log-likelihood of the data at the estimate (ties as half wins in `'half'` mode; no penalty term). */
  readonly logLikelihood: number;
  readonly iterations: number;
};

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Cholesky factor of a symmetric positive-definite `m×m` matrix (lower triangle of `a`, in place). */
function choleskyFactor(a: Float64Array, m: number): boolean {
  for (let j = 0; j < m; j++) {
    const rowJ = j * m;
    let d = a[rowJ + j] as number;
    for (let k = 0; k < j; k++) d -= (a[rowJ + k] as number) ** 2;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      const rowI = i * m;
      let s = a[rowI + j] as number;
      for (let k = 0; k < j; k++) s -= (a[rowI + k] as number) * (a[rowJ + k] as number);
      a[rowI + j] = s / ljj;
    }
  }
  return true;
}

/** Solves `L Lᵀ x = b` with the factor from `choleskyFactor`. */
function choleskySolveFactored(l: Float64Array, b: Float64Array, m: number): Float64Array {
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i] as number;
    const row = i * m;
    for (let k = 0; k < i; k++) s -= (l[row + k] as number) * (y[k] as number);
    y[i] = s / (l[row + i] as number);
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < m; k++) s -= (l[k * m + i] as number) * (y[k] as number);
    y[i] = s / (l[i * m + i] as number);
  }
  return y;
}

/** Solves `A x = b` for a symmetric positive-definite `A` (row-major `m×m`, overwritten) by Cholesky. */
function choleskySolve(a: Float64Array, b: Float64Array, m: number): Float64Array | undefined {
  return choleskyFactor(a, m) ? choleskySolveFactored(a, b, m) : undefined;
}

type CoreSettings = {
  readonly davidson: boolean;
  readonly ridge: number;
  readonly maxIterations: number;
  readonly tolerance: number;
};

/** Cholesky factor of the Newton matrix (negative Hessian plus the `c·11ᵀ` of the null direction). */
export type NewtonFactor = { readonly lower: Float64Array; readonly size: number };

/** Zero-sum (or ridge-centred) estimate on counts, before any anchor shift. */
export type CoreFit = {
  readonly theta: Float64Array;
  /** `log ν` (Davidson with ties), `-Infinity` for ν = 0, `NaN` in half mode. */
  readonly logNu: number;
  readonly logLikelihood: number;
  readonly iterations: number;
  /**
   * The Newton matrix at this estimate, factorised on first use (undefined if singular). A refit
   * warm-started from this fit (a bootstrap resample) iterates with it instead of refactorising.
   */
  readonly factor?: NewtonFactor | undefined;
};

/**
 * Penalised log-likelihood, and optionally its gradient and negative Hessian, at `(θ, log ν)`.
 * Variables are θ_0..θ_{n−1} and, when `withNu`, log ν as the last one.
 */
function evaluate(
  counts: BattleCounts,
  theta: Float64Array,
  logNu: number,
  withNu: boolean,
  ridge: number,
  gradient?: Float64Array,
  negHessian?: Float64Array,
  skipValue = false,
): { penalised: number; logLikelihood: number } {
  const n = counts.models.length;
  const m = withNu ? n + 1 : n;
  if (gradient) gradient.fill(0);
  if (negHessian) negHessian.fill(0);
  let ll = 0;
  const { pairI, pairJ, winsI, winsJ, ties } = counts;
  const davidson = withNu;
  for (let k = 0; k < pairI.length; k++) {
    const i = pairI[k] as number;
    const j = pairJ[k] as number;
    const wi = winsI[k] as number;
    const wj = winsJ[k] as number;
    const t = ties[k] as number;
    const x = (theta[i] as number) - (theta[j] as number);
    if (!davidson) {
      const a = wi + t / 2;
      const b = wj + t / 2;
      const w = a + b;
      if (w === 0) continue;
      if (!skipValue) {
        // log σ(x) and log σ(−x) from one log1p: they differ by exactly x
        const small = -Math.log1p(Math.exp(-Math.abs(x)));
        ll += x >= 0 ? a * small + b * (small - x) : a * (small + x) + b * small;
      }
      if (gradient || negHessian) {
        const p = sigmoid(x);
        if (gradient) {
          const g = a - w * p;
          gradient[i] = (gradient[i] as number) + g;
          gradient[j] = (gradient[j] as number) - g;
        }
        if (negHessian) {
          const h = w * p * (1 - p);
          negHessian[i * m + i] = (negHessian[i * m + i] as number) + h;
          negHessian[j * m + j] = (negHessian[j * m + j] as number) + h;
          negHessian[i * m + j] = (negHessian[i * m + j] as number) - h;
          negHessian[j * m + i] = (negHessian[j * m + i] as number) - h;
        }
      }
      continue;
    }
    const total = wi + wj + t;
    if (total === 0) continue;
    // Davidson with δ = (θi − θj)/2: P(i) = e^δ/S, P(j) = e^−δ/S, P(tie) = ν/S, S = e^δ + e^−δ + ν
    const delta = x / 2;
    const top = Math.max(Math.abs(delta), logNu);
    const u = Math.exp(delta - top);
    const v = Math.exp(-delta - top);
    const w = Math.exp(logNu - top);
    const s = u + v + w;
    const logS = top + Math.log(s);
    ll += wi * (delta - logS) + wj * (-delta - logS) + (t > 0 ? t * (logNu - logS) : 0);
    if (gradient || negHessian) {
      const pa = u / s;
      const pb = v / s;
      const pt = w / s;
      const diff = pa - pb;
      if (gradient) {
        const gDelta = wi - wj - total * diff;
        gradient[i] = (gradient[i] as number) + gDelta / 2;
        gradient[j] = (gradient[j] as number) - gDelta / 2;
        gradient[n] = (gradient[n] as number) + t - total * pt;
      }
      if (negHessian) {
        const hdd = (total * (pa + pb - diff * diff)) / 4;
        const hdp = (-total * diff * pt) / 2;
        const hpp = total * pt * (1 - pt);
        negHessian[i * m + i] = (negHessian[i * m + i] as number) + hdd;
        negHessian[j * m + j] = (negHessian[j * m + j] as number) + hdd;
        negHessian[i * m + j] = (negHessian[i * m + j] as number) - hdd;
        negHessian[j * m + i] = (negHessian[j * m + i] as number) - hdd;
        negHessian[i * m + n] = (negHessian[i * m + n] as number) + hdp;
        negHessian[n * m + i] = (negHessian[n * m + i] as number) + hdp;
        negHessian[j * m + n] = (negHessian[j * m + n] as number) - hdp;
        negHessian[n * m + j] = (negHessian[n * m + j] as number) - hdp;
        negHessian[n * m + n] = (negHessian[n * m + n] as number) + hpp;
      }
    }
  }
  let penalty = 0;
  if (ridge > 0) {
    for (let i = 0; i < n; i++) {
      const th = theta[i] as number;
      penalty += th * th;
      if (gradient) gradient[i] = (gradient[i] as number) - ridge * th;
      if (negHessian) negHessian[i * m + i] = (negHessian[i * m + i] as number) + ridge;
    }
  }
  return { penalised: ll - (ridge / 2) * penalty, logLikelihood: ll };
}

/** Adds the mean θ-diagonal times `11ᵀ` to the θ block (removes the null direction `θ + c·1`). */
function addNullDirection(negHessian: Float64Array, n: number, m: number): void {
  let scale = 0;
  for (let i = 0; i < n; i++) scale += negHessian[i * m + i] as number;
  scale = scale > 0 ? scale / n : 1;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) negHessian[i * m + j] = (negHessian[i * m + j] as number) + scale;
}

/**
 * Simplified Newton from a nearby start: `x ← x + F⁻¹·∇ℓ(x)` with the factor `F` of a neighbouring
 * problem (the full data, for a bootstrap resample) kept fixed, so each step costs one gradient and
 * two triangular solves instead of a Hessian and a factorisation. Converges to the same estimate (the
 * fixed point is ∇ℓ = 0); returns undefined when the steps do not shrink fast, and the caller falls
 * back to full Newton.
 */
function fixedMatrixNewton(
  counts: BattleCounts,
  settings: CoreSettings,
  withNu: boolean,
  theta: Float64Array,
  logNu: number,
  factor: NewtonFactor,
): { theta: Float64Array; logNu: number; iterations: number } | undefined {
  const n = counts.models.length;
  const m = withNu ? n + 1 : n;
  if (factor.size !== m) return undefined;
  const x = Float64Array.from(theta);
  let nu = logNu;
  const gradient = new Float64Array(m);
  let previous = Number.POSITIVE_INFINITY;
  // Half-tie mode: per pair, a = wins of i + ties/2 and w = all battles, fixed for the whole refit.
  const { pairI, pairJ } = counts;
  const pairs = pairI.length;
  const scores = withNu ? undefined : new Float64Array(pairs);
  const weights = withNu ? undefined : new Float64Array(pairs);
  if (scores && weights) {
    for (let k = 0; k < pairs; k++) {
      const t = counts.ties[k] as number;
      scores[k] = (counts.winsI[k] as number) + t / 2;
      weights[k] = (counts.winsI[k] as number) + (counts.winsJ[k] as number) + t;
    }
  }
  const strengths = new Float64Array(n);
  for (let iterations = 1; iterations <= settings.maxIterations; iterations++) {
    if (scores && weights) {
      // ∇ℓ: Σ over pairs of (a − w·σ(θi − θj))·(eᵢ − eⱼ), minus ridge·θ. With every |θ| far from
      // overflow, σ(θi − θj) = sᵢ/(sᵢ + sⱼ) for sᵢ = e^θᵢ: one exp per model instead of per pair.
      gradient.fill(0);
      let largest = 0;
      for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(x[i] as number));
      const perModel = largest < 300;
      if (perModel) for (let i = 0; i < n; i++) strengths[i] = Math.exp(x[i] as number);
      for (let k = 0; k < pairs; k++) {
        const i = pairI[k] as number;
        const j = pairJ[k] as number;
        const p = perModel
          ? (strengths[i] as number) / ((strengths[i] as number) + (strengths[j] as number))
          : 1 / (1 + Math.exp((x[j] as number) - (x[i] as number)));
        const g = (scores[k] as number) - (weights[k] as number) * p;
        gradient[i] = (gradient[i] as number) + g;
        gradient[j] = (gradient[j] as number) - g;
      }
      if (settings.ridge > 0)
        for (let i = 0; i < n; i++) gradient[i] = (gradient[i] as number) - settings.ridge * (x[i] as number);
    } else {
      evaluate(counts, x, nu, withNu, settings.ridge, gradient, undefined, true);
    }
    const step = choleskySolveFactored(factor.lower, gradient, m);
    let maxStep = 0;
    for (let i = 0; i < m; i++) maxStep = Math.max(maxStep, Math.abs(step[i] as number));
    // Far from the start's estimate, or contracting slowly: leave it to Newton with line search.
    if (!(maxStep < 0.5) || !(maxStep <= 0.5 * previous)) return undefined;
    for (let i = 0; i < n; i++) x[i] = (x[i] as number) + (step[i] as number);
    if (withNu) nu += step[n] as number;
    if (maxStep < settings.tolerance) return { theta: x, logNu: nu, iterations };
    previous = maxStep;
  }
  return undefined;
}

/** `fit` with its Newton factor computed on first read of `factor`. */
function withLazyFactor(
  fit: Omit<CoreFit, 'factor'>,
  counts: BattleCounts,
  settings: CoreSettings,
  withNu: boolean,
): CoreFit {
  let factor: NewtonFactor | undefined | null = null;
  return Object.defineProperty(fit, 'factor', {
    enumerable: true,
    get(): NewtonFactor | undefined {
      if (factor === null) {
        const n = counts.models.length;
        const m = withNu ? n + 1 : n;
        const matrix = new Float64Array(m * m);
        evaluate(counts, fit.theta, fit.logNu, withNu, settings.ridge, new Float64Array(m), matrix, true);
        addNullDirection(matrix, n, m);
        factor = choleskyFactor(matrix, m) ? { lower: matrix, size: m } : undefined;
      }
      return factor;
    },
  }) as CoreFit;
}

/**
 * Newton's method with backtracking on the concave (penalised) log-likelihood. The null direction
 * `θ + c·1` is removed by adding `c·11ᵀ` to the θ block of the negative Hessian: the gradient is
 * orthogonal to `1`, so the step is too, and θ stays zero-sum from a zero-sum start. Warm-started
 * from a fit whose Newton factor is known, it first iterates with that factor (see
 * `fixedMatrixNewton`), which is how bootstrap rounds avoid a factorisation per Newton step.
 */
export function fitCounts(counts: BattleCounts, settings: CoreSettings, start?: CoreFit): CoreFit {
  const n = counts.models.length;
  let totalTies = 0;
  let totalBattles = 0;
  for (let k = 0; k < counts.ties.length; k++) {
    totalTies += counts.ties[k] as number;
    totalBattles += (counts.winsI[k] as number) + (counts.winsJ[k] as number) + (counts.ties[k] as number);
  }
  if (totalBattles === 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'Bradley-Terry fit: there are no battles to fit',
      hint: 'Pass at least one battle between two different models',
    });
  }
  const withNu = settings.davidson && totalTies > 0;
  if (withNu && totalTies === totalBattles) {
    throw new PrefplayError({
      code: 'numerical',
      problem: 'Bradley-Terry fit: every battle is a tie, so the Davidson tie parameter ν is infinite',
      hint: "Use ties: 'half' for data made only of ties",
    });
  }
  if (settings.ridge === 0) assertMleExists(counts);
  const m = withNu ? n + 1 : n;
  const theta = new Float64Array(n);
  let logNu = settings.davidson ? (withNu ? Math.log((2 * totalTies) / (totalBattles - totalTies)) : -Infinity) : NaN;
  if (start) {
    theta.set(start.theta);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += theta[i] as number;
    mean /= n;
    for (let i = 0; i < n; i++) theta[i] = (theta[i] as number) - mean;
    if (withNu && Number.isFinite(start.logNu)) logNu = start.logNu;
    const factor = start.factor;
    const quick = factor ? fixedMatrixNewton(counts, settings, withNu, theta, logNu, factor) : undefined;
    if (quick?.theta.every(Number.isFinite)) {
      // The log-likelihood is computed only if read (bootstrap rounds never read it).
      let logLikelihood: number | undefined;
      const fit = Object.defineProperty(
        { theta: quick.theta, logNu: quick.logNu, iterations: quick.iterations },
        'logLikelihood',
        {
          enumerable: true,
          get() {
            logLikelihood ??= evaluate(counts, quick.theta, quick.logNu, withNu, settings.ridge).logLikelihood;
            return logLikelihood;
          },
        },
      ) as Omit<CoreFit, 'factor'>;
      return withLazyFactor(fit, counts, settings, withNu);
    }
  }
  const gradient = new Float64Array(m);
  const negHessian = new Float64Array(m * m);
  const trial = new Float64Array(n);
  let current = evaluate(counts, theta, logNu, withNu, settings.ridge);
  let iterations = 0;
  for (; iterations < settings.maxIterations; ) {
    iterations++;
    evaluate(counts, theta, logNu, withNu, settings.ridge, gradient, negHessian);
    addNullDirection(negHessian, n, m);
    const step = choleskySolve(negHessian, gradient, m);
    if (!step) {
      throw new PrefplayError({
        code: 'numerical',
        problem: 'Bradley-Terry fit: the Hessian became singular during Newton iterations',
        hint: 'Pass ridge > 0 (e.g. ridge: 0.01)',
      });
    }
    let maxStep = 0;
    for (let i = 0; i < m; i++) maxStep = Math.max(maxStep, Math.abs(step[i] as number));
    // keep steps moderate far from the optimum; Newton is exact near it
    let t = maxStep > 5 ? 5 / maxStep : 1;
    let accepted = false;
    let nextLogNu = logNu;
    for (let halvings = 0; halvings < 60; halvings++) {
      for (let i = 0; i < n; i++) trial[i] = (theta[i] as number) + t * (step[i] as number);
      nextLogNu = withNu ? logNu + t * (step[n] as number) : logNu;
      const value = evaluate(counts, trial, nextLogNu, withNu, settings.ridge);
      if (value.penalised >= current.penalised - 1e-12 * Math.abs(current.penalised)) {
        current = value;
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) break;
    theta.set(trial);
    logNu = nextLogNu;
    if (t * maxStep < settings.tolerance) break;
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(theta[i] as number)) {
      throw new PrefplayError({
        code: 'numerical',
        problem: `Bradley-Terry fit: the estimate for "${counts.models[i]}" is not finite`,
        hint: 'Pass ridge > 0 (e.g. ridge: 0.01)',
      });
    }
  }
  return withLazyFactor({ theta, logNu, logLikelihood: current.logLikelihood, iterations }, counts, settings, withNu);
}

/** Resolves an anchor to (index, θ value) or throws naming the unknown model. */
export function resolveAnchor(
  models: readonly string[],
  anchor: { readonly model: string; readonly rating?: number | undefined } | undefined,
): { index: number; theta: number } | undefined {
  if (!anchor) return undefined;
  const index = models.indexOf(anchor.model);
  if (index < 0) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `anchor model "${anchor.model}" does not appear in any battle`,
      where: { field: 'anchor.model' },
      hint: `Choose one of the ${models.length} models in the battles, e.g. ${models
        .slice(0, 3)
        .map((x) => `"${x}"`)
        .join(', ')}`,
    });
  }
  return { index, theta: ((anchor.rating ?? 1000) - 1000) / eloScale };
}

/** Shifts θ so that the anchor model has its anchored θ; returns a plain array. */
export function applyAnchor(theta: Float64Array, anchor: { index: number; theta: number } | undefined): number[] {
  const shift = anchor ? anchor.theta - (theta[anchor.index] as number) : 0;
  return Array.from(theta, (x) => x + shift);
}

/** What the fits take: battles as objects, as a column table, or already aggregated. */
export type BattleData = readonly Battle[] | BattleTable | BattleCounts;

export function toCounts(battles: BattleData): BattleCounts {
  if (isBattleCounts(battles)) return battles;
  if (isBattleTable(battles)) return aggregateBattleTable(battles);
  return aggregateBattles(battles as readonly Battle[]);
}

export function coreSettings(settings: FitSettings): CoreSettings {
  return {
    davidson: settings.ties === 'davidson',
    ridge: settings.ridge,
    maxIterations: settings.maxIterations,
    tolerance: settings.tolerance,
  };
}

/**
 * Maximum-likelihood Bradley-Terry log-strengths from pairwise battles (objects, a column
 * table, or their aggregated counts), by Newton's method on the per-pair count table. Ties count as half a win each, or
 * follow Davidson's model. Identified by `Σθ = 0`, or by `anchor` (θ of the anchor model set from
 * its Elo-scale rating, default 1000 ⇒ θ = 0). Without `ridge`, a comparison graph where the
 * estimate does not exist throws a `PrefplayError` naming the models; with `ridge > 0` the
 * answer is always finite.
 */
export function fitBradleyTerry(battles: BattleData, options: FitBradleyTerryOptions = {}): BradleyTerryFit {
  const settings = parseOptions(fitBradleyTerryOptionsSchema, options, { what: 'fitBradleyTerry options' });
  const counts = toCounts(battles);
  const anchor = resolveAnchor(counts.models, settings.anchor);
  const fit = fitCounts(counts, coreSettings(settings));
  return {
    models: counts.models.slice(),
    theta: applyAnchor(fit.theta, anchor),
    ...(settings.ties === 'davidson' ? { nu: Number.isFinite(fit.logNu) ? Math.exp(fit.logNu) : 0 } : {}),
    logLikelihood: fit.logLikelihood,
    iterations: fit.iterations,
  };
}
