/** The task options an experiment crosses: one cell per combination of their values. */
export type TaskFactors = {
  /** κ of the training oracle on same-meaning pairs. */
  readonly overconfidence: number;
  /** Annotators who prefer the concise paraphrase. */
  readonly concision: number;
  /** Share of the SFT corpus on a topic's dominant claim (`null`: uniform claims). */
  readonly dominantClaimShare: number | null;
};

/**
 * The label of a cell, `κ=4 concision=1 share 0.667` (or `… uniform`): how the reproduction names
 * a combination of the task's factors, and the first part of each run's evaluation stream
 * (`<cell label>/<method>`, see `createMeaningEvaluator`), so that the same cell, method and seed
 * draw the same evaluation samples wherever they run.
 */
export function cellLabel(factors: TaskFactors): string {
  const share =
    factors.dominantClaimShare === null ? 'uniform' : `share ${Number(factors.dominantClaimShare.toFixed(3))}`;
  return `κ=${factors.overconfidence} concision=${factors.concision} ${share}`;
}
