import { createRng, PrefplayError } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { aggregateBattleTable, type BattleTable } from './aggregate-battle-table.js';
import { aggregateBattles, type Battle } from './aggregate-battles.js';
import { bootstrapBradleyTerry } from './bootstrap-bradley-terry.js';
import { fitBradleyTerry } from './fit-bradley-terry.js';

const winners = ['model_a', 'model_b', 'tie'] as const;

/** A seeded table over `names` (some possibly unused) and the same battles as objects. */
function seededBattles(names: readonly string[], count: number, seed: number, used = names.length) {
  const rng = createRng(seed);
  const modelA = new Int32Array(count);
  const modelB = new Int32Array(count);
  const outcome = new Uint8Array(count);
  const battles: Battle[] = [];
  for (let k = 0; k < count; k++) {
    const a = rng.int(used);
    let b = rng.int(used - 1);
    if (b >= a) b++;
    const o = rng.int(3);
    modelA[k] = a;
    modelB[k] = b;
    outcome[k] = o;
    battles.push({ modelA: names[a] as string, modelB: names[b] as string, winner: winners[o] as Battle['winner'] });
  }
  const table: BattleTable = { models: names, modelA, modelB, outcome };
  return { table, battles };
}

function expectIllegal(table: BattleTable, field: string, pattern: RegExp): void {
  try {
    aggregateBattleTable(table);
  } catch (error) {
    expect(PrefplayError.isInstance(error)).toBe(true);
    const e = error as PrefplayError;
    expect(e.code).toBe('invalid-input');
    expect(e.where?.field).toBe(field);
    expect(e.problem).toMatch(pattern);
    return;
  }
  throw new Error('expected aggregateBattleTable to throw');
}

describe('aggregateBattleTable', () => {
  it('gives exactly the counts aggregateBattles gives for the same battles as objects', () => {
    // names out of sorted order, so ranks and pair sides are renumbered
    const names = ['zeta', 'alpha', 'mu', 'beta', 'omega', 'kappa', 'delta'];
    const { table, battles } = seededBattles(names, 5000, 11);
    expect(aggregateBattleTable(table)).toEqual(aggregateBattles(battles));
  });

  it('leaves out listed models that took part in no battle', () => {
    const names = ['d', 'c', 'b', 'a', 'unused-1', 'unused-0'];
    const { table, battles } = seededBattles(names, 300, 5, 4);
    const counts = aggregateBattleTable(table);
    expect(counts.models).toEqual(['a', 'b', 'c', 'd']);
    expect(counts).toEqual(aggregateBattles(battles));
  });

  it('accepts plain number arrays and beyond 2048 models', () => {
    const names = Array.from({ length: 2100 }, (_, i) => `m${i}`);
    const { table, battles } = seededBattles(names, 20_000, 3);
    const plain = {
      models: names,
      modelA: Array.from(table.modelA),
      modelB: Array.from(table.modelB),
      outcome: Array.from(table.outcome),
    };
    expect(aggregateBattleTable(plain)).toEqual(aggregateBattles(battles));
  });

  it('is taken by the fit and the bootstrap directly, with the same answers as objects', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const { table, battles } = seededBattles(names, 2000, 8);
    expect(fitBradleyTerry(table)).toEqual(fitBradleyTerry(battles));
    expect(bootstrapBradleyTerry(table, { rounds: 5, seed: 1 })).toEqual(
      bootstrapBradleyTerry(battles, { rounds: 5, seed: 1 }),
    );
  });

  it('names the column and index of a bad entry', () => {
    const models = ['a', 'b', 'c'];
    const table = (modelA: number[], modelB: number[], outcome: number[]) => ({ models, modelA, modelB, outcome });
    expectIllegal(table([0, 3], [1, 0], [0, 0]), 'modelA[1]', /battle 1: model index 3 is not a model/);
    expectIllegal(table([0, 1], [1, -1], [0, 0]), 'modelB[1]', /model index -1/);
    expectIllegal(
      table([0, 1.5], [1, 0], [0, 0]),
      'modelA[1]',
      /model index 1.5 is not a model \(indices must be integers/,
    );
    expectIllegal(table([0, 2], [1, 2], [0, 1]), 'modelB[1]', /cannot battle itself \("c"\)/);
    expectIllegal(table([0, 2], [1, 1], [0, 3]), 'outcome[1]', /unknown outcome 3/);
    expectIllegal(table([0, 2], [1], [0, 1]), 'modelB', /modelB has 1 entries but modelA has 2/);
    expectIllegal({ models: ['a', 'b', 'a'], modelA: [0], modelB: [1], outcome: [0] }, 'models[2]', /listed twice/);
    expectIllegal({ models: ['a', ''], modelA: [0], modelB: [1], outcome: [0] }, 'models[1]', /non-empty/);
  });
});
