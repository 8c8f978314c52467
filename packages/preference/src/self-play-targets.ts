import { calibrate } from './calibrate.js';
import { assertConstantSum } from './constant-sum.js';
import type { Gate } from './gate.js';
import { similarityMatrix } from './similarity-matrix.js';
import { winRateTargets } from './win-rate-targets.js';

export type SelfPlayTargetsInput = {
  /** The oracle's K×K matrix for one prompt. */
  readonly matrix: readonly (readonly number[])[];
  /** Unit embeddings of the K responses; needed when `gate` is given. */
  readonly embeddings?: readonly (readonly number[])[];
  /** Semantic gate: calibrates `M̃ = 1/2 + g(s)(M − 1/2)` (method.md §3). */
  readonly gate?: Gate;
  /** Include the self term `M_ii = 1/2` in the win rates (official SPPO: true). */
  readonly includeSelf?: boolean;
  /** Names the matrix in a constant-sum error, e.g. `prompt p3`. */
  readonly where?: string;
};

export type SelfPlayTargets = {
  /** The matrix the targets come from (`M̃` when gated, else `M`). */
  readonly matrix: number[][];
  /** `s_ij` when embeddings were given. */
  readonly similarity?: number[][];
  /** `g(s_ij)` when a gate was given. */
  readonly gateValues?: number[][];
  /** `p̂_i` of every response. */
  readonly winRates: number[];
  readonly chosen: number;
  readonly rejected: number;
  /** `M_wl` (of the calibrated matrix when gated). */
  readonly pairPreference: number;
  readonly chosenWinRate: number;
  readonly rejectedWinRate: number;
};

/**
 * One prompt's self-play targets: checks that the matrix is constant-sum, optionally calibrates
 * it with the semantic gate, then takes win rates, chosen (argmax) and rejected (argmin).
 */
export function selfPlayTargets(input: SelfPlayTargetsInput): SelfPlayTargets {
  const matrix = input.matrix.map((row) => row.slice());
  assertConstantSum(matrix, input.where);
  let similarity: number[][] | undefined;
  let gateValues: number[][] | undefined;
  let used = matrix;
  if (input.embeddings !== undefined) {
    similarity = similarityMatrix(input.embeddings.map((e) => e.slice()));
  }
  if (input.gate !== undefined) {
    if (similarity === undefined) {
      throw new Error('selfPlayTargets: a gate needs the embeddings of the responses');
    }
    const gate = input.gate;
    gateValues = similarity.map((row) => row.map((s) => gate.apply(s)));
    used = calibrate(matrix, similarity, gate);
  }
  const targets = winRateTargets(used, { includeSelf: input.includeSelf ?? true });
  return {
    matrix: used,
    ...(similarity !== undefined ? { similarity } : {}),
    ...(gateValues !== undefined ? { gateValues } : {}),
    winRates: targets.winRates,
    chosen: targets.chosen,
    rejected: targets.rejected,
    pairPreference: targets.pairPreference,
    chosenWinRate: targets.winRates[targets.chosen] as number,
    rejectedWinRate: targets.winRates[targets.rejected] as number,
  };
}

/** Values of a symmetric matrix above the diagonal (the distinct off-diagonal pairs). */
export function upperTriangle(matrix: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < matrix.length; i++) {
    const row = matrix[i] as readonly number[];
    for (let j = i + 1; j < row.length; j++) out.push(row[j] as number);
  }
  return out;
}
