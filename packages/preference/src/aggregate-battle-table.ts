import { PrefplayError } from '@prefplay/core';
import { type BattleCounts, finishCounts, PairSlots } from './aggregate-battles.js';

/**
 * Battles as columns: battle `k` is between `models[modelA[k]]` and `models[modelB[k]]`, with
 * `outcome[k]` 0 when model A won, 1 when model B won and 2 for a tie. The layout of data that
 * already numbers its models (a data frame's factor codes, an Arrow dictionary column), read
 * without building one object per battle.
 */
export type BattleTable = {
  readonly models: readonly string[];
  readonly modelA: ArrayLike<number>;
  readonly modelB: ArrayLike<number>;
  readonly outcome: ArrayLike<number>;
};

/** True for a value shaped like a `BattleTable` (as opposed to an array of battles or counts). */
export function isBattleTable(value: unknown): value is BattleTable {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const table = value as Record<string, unknown>;
  return Array.isArray(table.models) && 'modelA' in table && 'modelB' in table && 'outcome' in table;
}

function invalidTable(field: string, problem: string, hint: string): PrefplayError {
  return new PrefplayError({ code: 'invalid-input', problem: `battle table: ${problem}`, where: { field }, hint });
}

function checkColumns(table: BattleTable): void {
  const { models } = table;
  const index = new Map<string, number>();
  models.forEach((name, i) => {
    if (typeof name !== 'string' || name.length === 0) {
      throw invalidTable(
        `models[${i}]`,
        `model names must be non-empty strings, got ${JSON.stringify(name)}`,
        'Name every model',
      );
    }
    const first = index.get(name);
    if (first !== undefined) {
      throw invalidTable(
        `models[${i}]`,
        `model "${name}" is listed twice (also at models[${first}])`,
        'List each model once; battles refer to models by their position in `models`',
      );
    }
    index.set(name, i);
  });
  for (const column of ['modelA', 'modelB', 'outcome'] as const) {
    const values = table[column] as ArrayLike<number> | undefined;
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
      throw invalidTable(
        column,
        `${column} must be an array (or typed array) of integers`,
        'Pass one entry per battle',
      );
    }
    if (values.length !== table.modelA.length) {
      throw invalidTable(
        column,
        `${column} has ${values.length} entries but modelA has ${table.modelA.length}`,
        'Pass one entry per battle in each of modelA, modelB and outcome',
      );
    }
  }
}

function isIntegerArray(values: ArrayLike<number>): boolean {
  return (
    values instanceof Int32Array ||
    values instanceof Uint32Array ||
    values instanceof Int16Array ||
    values instanceof Uint16Array ||
    values instanceof Int8Array ||
    values instanceof Uint8Array
  );
}

function invalidBattle(k: number, field: string, problem: string, hint: string): PrefplayError {
  return invalidTable(`${field}[${k}]`, `battle ${k}: ${problem}`, hint);
}

/**
 * Aggregates a `BattleTable` into per-pair win/tie counts in one pass over its columns. The result
 * is the one `aggregateBattles` gives for the same battles as objects (models that took part, sorted
 * by name; pairs in the order of their first battle), at the cost of a few integer reads per battle.
 * Throws a `PrefplayError` naming the first malformed entry (column and index).
 */
export function aggregateBattleTable(table: BattleTable): BattleCounts {
  checkColumns(table);
  const models = table.models.length;
  const slots = new PairSlots(models);
  const cells = tallyCells(table, slots);
  const pairs = slots.lo.length;
  const winsLo = new Array<number>(pairs);
  const winsHi = new Array<number>(pairs);
  const tied = new Array<number>(pairs);
  const perModel = new Float64Array(models);
  for (let s = 0; s < pairs; s++) {
    winsLo[s] = cells[3 * s] as number;
    winsHi[s] = cells[3 * s + 1] as number;
    tied[s] = cells[3 * s + 2] as number;
    const battles = (winsLo[s] as number) + (winsHi[s] as number) + (tied[s] as number);
    const lo = slots.lo[s] as number;
    const hi = slots.hi[s] as number;
    perModel[lo] = (perModel[lo] as number) + battles;
    perModel[hi] = (perModel[hi] as number) + battles;
  }
  return finishCounts(table.models, slots, winsLo, winsHi, tied, perModel, table.modelA.length);
}

/**
 * The pass over the battles, in a function of its own so that the engine optimises the loop alone:
 * per slot of `slots`, `[wins of the lower index, wins of the higher one, ties]`.
 */
function tallyCells(table: BattleTable, slots: PairSlots): Float64Array {
  const { modelA, modelB, outcome } = table;
  const models = table.models.length;
  const count = modelA.length;
  let capacity = Math.max(1, Math.min(count, (models * (models - 1)) / 2, 1 << 16));
  let cells = new Float64Array(3 * capacity);
  let pairs = 0;
  // integer typed arrays hold integers: the per-battle check is needed only for other arrays
  const integral = isIntegerArray(modelA) && isIntegerArray(modelB);
  for (let k = 0; k < count; k++) {
    const a = modelA[k] as number;
    const b = modelB[k] as number;
    const o = outcome[k] as number;
    // one combined test on the hot path; the message is worked out only for a bad entry
    if (
      !(a >= 0 && a < models && b >= 0 && b < models && a !== b && (o === 0 || o === 1 || o === 2)) ||
      (!integral && (!Number.isInteger(a) || !Number.isInteger(b)))
    ) {
      throw badEntry(table, k);
    }
    const s = slots.slot(Math.min(a, b), Math.max(a, b));
    if (s === pairs) {
      pairs++;
      if (pairs > capacity) {
        capacity *= 2;
        const grown = new Float64Array(3 * capacity);
        grown.set(cells);
        cells = grown;
      }
    }
    // cell 0: the lower index won, 1: the higher one, 2: a tie; without branches on the outcome,
    // which is unpredictable: for a decisive outcome the cell is the outcome, flipped when b < a
    const cell = o ^ ((b < a ? 1 : 0) & (1 - (o >> 1)));
    cells[3 * s + cell] = (cells[3 * s + cell] as number) + 1;
  }
  return cells;
}

/** The error for battle `k`, which fails the hot path's check. */
function badEntry(table: BattleTable, k: number): PrefplayError {
  const models = table.models.length;
  const a = table.modelA[k] as number;
  const b = table.modelB[k] as number;
  const o = table.outcome[k] as number;
  const modelHint = `Model indices are integers from 0 to ${models - 1} (positions in \`models\`)`;
  if (!(Number.isInteger(a) && a >= 0 && a < models)) {
    return invalidBattle(k, 'modelA', `model index ${a} is not a model (indices must be integers in range)`, modelHint);
  }
  if (!(Number.isInteger(b) && b >= 0 && b < models)) {
    return invalidBattle(k, 'modelB', `model index ${b} is not a model (indices must be integers in range)`, modelHint);
  }
  if (a === b) {
    return invalidBattle(k, 'modelB', `a model cannot battle itself ("${table.models[a]}")`, 'Drop self-battles');
  }
  return invalidBattle(
    k,
    'outcome',
    `unknown outcome ${o}`,
    'An outcome is 0 (model A won), 1 (model B won) or 2 (tie)',
  );
}
