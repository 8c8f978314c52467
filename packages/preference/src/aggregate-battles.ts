import { PrefplayError } from '@prefplay/core';

/** The outcome of one battle, with Chatbot-Arena semantics: both tie labels are ties. */
export type BattleWinner = 'model_a' | 'model_b' | 'tie' | 'tie (bothbad)';

/** One pairwise comparison between two models. */
export type Battle = {
  readonly modelA: string;
  readonly modelB: string;
  readonly winner: BattleWinner;
};

/** The winner labels a battle may carry. */
export const battleWinners: readonly BattleWinner[] = ['model_a', 'model_b', 'tie', 'tie (bothbad)'];

/**
 * Battles aggregated per unordered pair of models: for pair `k`, models `pairI[k] < pairJ[k]`
 * (indices into `models`, sorted by name), `winsI[k]` wins of the first, `winsJ[k]` of the second
 * and `ties[k]` ties. Every fit and bootstrap works on these counts, never on the battles.
 */
export type BattleCounts = {
  readonly kind: 'battle-counts';
  readonly models: readonly string[];
  readonly pairI: Int32Array;
  readonly pairJ: Int32Array;
  readonly winsI: Float64Array;
  readonly winsJ: Float64Array;
  readonly ties: Float64Array;
  /** Number of battles each model took part in. */
  readonly battlesPerModel: Float64Array;
  readonly totalBattles: number;
};

function invalidBattle(index: number, field: string, problem: string): PrefplayError {
  return new PrefplayError({
    code: 'invalid-input',
    problem: `battle ${index}: ${problem}`,
    where: { field: `battles[${index}].${field}` },
    hint: `A battle is { modelA, modelB, winner } with two different non-empty model names and winner one of ${battleWinners.map((w) => `'${w}'`).join(', ')}`,
  });
}

/** True for a `BattleCounts` value (as opposed to an array of battles). */
export function isBattleCounts(value: unknown): value is BattleCounts {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'battle-counts';
}

/** Above this many models the pair slots are kept in a map instead of an `n × n` table. */
const denseSlotLimit = 2048;

/**
 * Aggregates battles into per-pair win/tie counts. Models are sorted by name; pairs are in the order
 * of their first battle. One pass over the battles interns the names and validates (throwing a
 * `PrefplayError` naming the battle index and field of the first malformed battle); the counting
 * pass then works on integer ids only.
 */
export function aggregateBattles(battles: readonly Battle[]): BattleCounts {
  const count = battles.length;
  const index = new Map<string, number>();
  const seen: string[] = [];
  const first = new Int32Array(count);
  const second = new Int32Array(count);
  // 0: modelA won, 1: modelB won, 2: tie
  const outcome = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    const battle = battles[k] as Battle;
    const { modelA, modelB, winner } = battle;
    if (typeof modelA !== 'string' || modelA.length === 0) {
      throw invalidBattle(k, 'modelA', `modelA must be a non-empty string, got ${JSON.stringify(modelA)}`);
    }
    if (typeof modelB !== 'string' || modelB.length === 0) {
      throw invalidBattle(k, 'modelB', `modelB must be a non-empty string, got ${JSON.stringify(modelB)}`);
    }
    if (modelA === modelB) throw invalidBattle(k, 'modelB', `a model cannot battle itself ("${modelA}")`);
    if (winner === 'model_a') outcome[k] = 0;
    else if (winner === 'model_b') outcome[k] = 1;
    else if (winner === 'tie' || winner === 'tie (bothbad)') outcome[k] = 2;
    else throw invalidBattle(k, 'winner', `unknown winner ${JSON.stringify(winner)}`);
    let a = index.get(modelA);
    if (a === undefined) {
      a = seen.length;
      index.set(modelA, a);
      seen.push(modelA);
    }
    let b = index.get(modelB);
    if (b === undefined) {
      b = seen.length;
      index.set(modelB, b);
      seen.push(modelB);
    }
    first[k] = a;
    second[k] = b;
  }
  const n = seen.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => {
    const a = seen[x] as string;
    const b = seen[y] as string;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const rank = new Int32Array(n);
  order.forEach((seenIndex, sorted) => {
    rank[seenIndex] = sorted;
  });
  const names = order.map((i) => seen[i] as string);
  const dense = n <= denseSlotLimit ? new Int32Array(n * n).fill(-1) : undefined;
  const sparse = dense ? undefined : new Map<number, number>();
  const pairI: number[] = [];
  const pairJ: number[] = [];
  const winsI: number[] = [];
  const winsJ: number[] = [];
  const ties: number[] = [];
  const battlesPerModel = new Float64Array(n);
  for (let k = 0; k < count; k++) {
    const a = rank[first[k] as number] as number;
    const b = rank[second[k] as number] as number;
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const key = lo * n + hi;
    let s = dense ? (dense[key] as number) : (sparse?.get(key) ?? -1);
    if (s < 0) {
      s = pairI.length;
      if (dense) dense[key] = s;
      else sparse?.set(key, s);
      pairI.push(lo);
      pairJ.push(hi);
      winsI.push(0);
      winsJ.push(0);
      ties.push(0);
    }
    battlesPerModel[a] = (battlesPerModel[a] as number) + 1;
    battlesPerModel[b] = (battlesPerModel[b] as number) + 1;
    const o = outcome[k] as number;
    if (o === 2) ties[s] = (ties[s] as number) + 1;
    // the winner is the lower index exactly when (a is lower) equals (a won)
    else if ((a === lo) === (o === 0)) winsI[s] = (winsI[s] as number) + 1;
    else winsJ[s] = (winsJ[s] as number) + 1;
  }
  return {
    kind: 'battle-counts',
    models: names,
    pairI: Int32Array.from(pairI),
    pairJ: Int32Array.from(pairJ),
    winsI: Float64Array.from(winsI),
    winsJ: Float64Array.from(winsJ),
    ties: Float64Array.from(ties),
    battlesPerModel,
    totalBattles: count,
  };
}

/** `counts` with new per-pair win and tie counts (same models and pairs), e.g. a bootstrap resample. */
export function withCounts(
  counts: BattleCounts,
  winsI: Float64Array,
  winsJ: Float64Array,
  ties: Float64Array,
): BattleCounts {
  const battlesPerModel = new Float64Array(counts.models.length);
  let total = 0;
  for (let k = 0; k < counts.pairI.length; k++) {
    const m = (winsI[k] as number) + (winsJ[k] as number) + (ties[k] as number);
    const i = counts.pairI[k] as number;
    const j = counts.pairJ[k] as number;
    battlesPerModel[i] = (battlesPerModel[i] as number) + m;
    battlesPerModel[j] = (battlesPerModel[j] as number) + m;
    total += m;
  }
  return { ...counts, winsI, winsJ, ties, battlesPerModel, totalBattles: total };
}
