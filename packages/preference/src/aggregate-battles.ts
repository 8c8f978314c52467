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
 * Per-pair slots keyed by provisional model ids (first-seen order): an `n × n` table that doubles
 * as models appear, or a map beyond `denseSlotLimit` models.
 */
export class PairSlots {
  private capacity = 64;
  private table: Int32Array | undefined;
  private readonly map = new Map<number, number>();
  readonly lo: number[] = [];
  readonly hi: number[] = [];

  /** Slots for up to `models` ids without regrowing (more are allowed). */
  constructor(models = 64) {
    while (this.capacity < models) this.capacity *= 2;
    this.table = this.capacity > denseSlotLimit ? undefined : new Int32Array(this.capacity * this.capacity).fill(-1);
  }

  /** Slot of the pair (lo < hi), created at the end when new. */
  slot(lo: number, hi: number): number {
    if (hi >= this.capacity) this.grow(hi + 1);
    const table = this.table;
    const key = table ? lo * this.capacity + hi : lo * 67_108_864 + hi;
    let s = table ? (table[key] as number) : (this.map.get(key) ?? -1);
    if (s < 0) {
      s = this.lo.length;
      this.lo.push(lo);
      this.hi.push(hi);
      if (table) table[key] = s;
      else this.map.set(key, s);
    }
    return s;
  }

  private grow(models: number): void {
    while (this.capacity < models) this.capacity *= 2;
    if (this.capacity > denseSlotLimit) {
      this.table = undefined;
      for (let s = 0; s < this.lo.length; s++)
        this.map.set((this.lo[s] as number) * 67_108_864 + (this.hi[s] as number), s);
      return;
    }
    const table = new Int32Array(this.capacity * this.capacity).fill(-1);
    for (let s = 0; s < this.lo.length; s++) table[(this.lo[s] as number) * this.capacity + (this.hi[s] as number)] = s;
    this.table = table;
  }
}

/**
 * Aggregates battles into per-pair win/tie counts in one pass. Models are sorted by name; pairs are
 * in the order of their first battle. Names are interned as they appear and counted under
 * provisional ids, renumbered in sorted order at the end. Throws a `PrefplayError` naming the
 * battle index and field of the first malformed battle.
 */
export function aggregateBattles(battles: readonly Battle[]): BattleCounts {
  const count = battles.length;
  // A null-prototype object: keyed loads on it are faster than Map.get for strings in V8, and any
  // name (even "__proto__") is an own key.
  const index: Record<string, number | undefined> = Object.create(null);
  const seen: string[] = [];
  const slots = new PairSlots();
  // per slot: wins of the provisional lower id, of the higher one, ties
  const winsLo: number[] = [];
  const winsHi: number[] = [];
  const tied: number[] = [];
  const perModel: number[] = [];
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
    // 0: modelA won, 1: modelB won, 2: tie
    const outcome =
      winner === 'model_a' ? 0 : winner === 'model_b' ? 1 : winner === 'tie' || winner === 'tie (bothbad)' ? 2 : -1;
    if (outcome < 0) throw invalidBattle(k, 'winner', `unknown winner ${JSON.stringify(winner)}`);
    let a = index[modelA];
    if (a === undefined) {
      a = seen.length;
      index[modelA] = a;
      seen.push(modelA);
      perModel.push(0);
    }
    let b = index[modelB];
    if (b === undefined) {
      b = seen.length;
      index[modelB] = b;
      seen.push(modelB);
      perModel.push(0);
    }
    const lo = Math.min(a, b);
    const s = slots.slot(lo, Math.max(a, b));
    if (s === winsLo.length) {
      winsLo.push(0);
      winsHi.push(0);
      tied.push(0);
    }
    perModel[a] = (perModel[a] as number) + 1;
    perModel[b] = (perModel[b] as number) + 1;
    if (outcome === 2) tied[s] = (tied[s] as number) + 1;
    // the winner is the lower id exactly when (a is lower) equals (a won)
    else if ((a === lo) === (outcome === 0)) winsLo[s] = (winsLo[s] as number) + 1;
    else winsHi[s] = (winsHi[s] as number) + 1;
  }
  return finishCounts(seen, slots, winsLo, winsHi, tied, perModel, count);
}

/**
 * The `BattleCounts` of per-slot tallies kept under provisional model ids: models that took part
 * (`perModel[id] > 0`) sorted by name, each pair's sides put in sorted order.
 */
export function finishCounts(
  names: readonly string[],
  slots: PairSlots,
  winsLo: readonly number[],
  winsHi: readonly number[],
  tied: readonly number[],
  perModel: ArrayLike<number>,
  totalBattles: number,
): BattleCounts {
  const present: number[] = [];
  for (let id = 0; id < names.length; id++) if ((perModel[id] as number) > 0) present.push(id);
  const order = present.sort((x, y) => {
    const p = names[x] as string;
    const q = names[y] as string;
    return p < q ? -1 : p > q ? 1 : 0;
  });
  const n = order.length;
  const rank = new Int32Array(names.length).fill(-1);
  order.forEach((id, sorted) => {
    rank[id] = sorted;
  });
  const pairs = winsLo.length;
  const pairI = new Int32Array(pairs);
  const pairJ = new Int32Array(pairs);
  const winsI = new Float64Array(pairs);
  const winsJ = new Float64Array(pairs);
  for (let s = 0; s < pairs; s++) {
    const i = rank[slots.lo[s] as number] as number;
    const j = rank[slots.hi[s] as number] as number;
    // sorted order may swap the pair's two sides
    const flip = i > j;
    pairI[s] = flip ? j : i;
    pairJ[s] = flip ? i : j;
    winsI[s] = (flip ? winsHi[s] : winsLo[s]) as number;
    winsJ[s] = (flip ? winsLo[s] : winsHi[s]) as number;
  }
  const battlesPerModel = new Float64Array(n);
  for (let s = 0; s < n; s++) battlesPerModel[s] = perModel[order[s] as number] as number;
  return {
    kind: 'battle-counts',
    models: order.map((id) => names[id] as string),
    pairI,
    pairJ,
    winsI,
    winsJ,
    ties: Float64Array.from(tied),
    battlesPerModel,
    totalBattles,
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
