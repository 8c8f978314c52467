import { PrefplayError } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { aggregateBattles, type Battle } from './aggregate-battles.js';

/** Per unordered pair "lo|hi" → [wins of lo, wins of hi, ties], counted naively from the battles. */
function naiveCounts(battles: readonly Battle[]): Map<string, [number, number, number]> {
  const out = new Map<string, [number, number, number]>();
  for (const { modelA, modelB, winner } of battles) {
    const [lo, hi] = modelA < modelB ? [modelA, modelB] : [modelB, modelA];
    const key = `${lo}|${hi}`;
    const cell = out.get(key) ?? [0, 0, 0];
    if (winner === 'tie' || winner === 'tie (bothbad)') cell[2]++;
    else if ((winner === 'model_a') === (modelA === lo)) cell[0]++;
    else cell[1]++;
    out.set(key, cell);
  }
  return out;
}

function check(battles: readonly Battle[]): void {
  const counts = aggregateBattles(battles);
  expect(counts.models).toEqual([...new Set(battles.flatMap((b) => [b.modelA, b.modelB]))].sort());
  const expected = naiveCounts(battles);
  expect(counts.pairI.length).toBe(expected.size);
  const firstSeen = [...new Set(battles.map((b) => [b.modelA, b.modelB].sort().join('|')))];
  for (let k = 0; k < counts.pairI.length; k++) {
    const key = `${counts.models[counts.pairI[k] as number]}|${counts.models[counts.pairJ[k] as number]}`;
    expect(key).toBe(firstSeen[k]);
    expect([counts.winsI[k], counts.winsJ[k], counts.ties[k]]).toEqual(expected.get(key));
  }
  expect(counts.totalBattles).toBe(battles.length);
  const perModel = counts.models.map((m) => battles.filter((b) => b.modelA === m || b.modelB === m).length);
  expect(Array.from(counts.battlesPerModel)).toEqual(perModel);
}

describe('aggregateBattles', () => {
  it('counts wins and ties per unordered pair, pairs in first-battle order, models sorted', () => {
    const winners: Battle['winner'][] = ['model_a', 'model_b', 'tie', 'tie (bothbad)'];
    const names = ['zeta', 'alpha', 'mu', 'beta'];
    const battles: Battle[] = [];
    for (let k = 0; k < 200; k++) {
      const a = names[(k * 7) % 4] as string;
      const b = names[(k * 3 + 1 + ((k * 7) % 4)) % 4] as string;
      if (a !== b) battles.push({ modelA: a, modelB: b, winner: winners[(k * 5) % 4] as Battle['winner'] });
    }
    check(battles);
  });

  it('takes any string as a model name, including "__proto__", "constructor" and numerals', () => {
    const names = ['__proto__', 'constructor', '10', '0', 'toString', 'hasOwnProperty'];
    const battles: Battle[] = names.flatMap((a, i) =>
      names
        .slice(i + 1)
        .map((b, j) => ({ modelA: a, modelB: b, winner: j % 2 ? ('model_a' as const) : ('model_b' as const) })),
    );
    check(battles);
  });

  it('keeps pair slots in a map beyond 2048 models, with the same counts', () => {
    // 2100 models in a ring, each pair met twice with opposite results.
    const names = Array.from({ length: 2100 }, (_, i) => `m${String(i).padStart(4, '0')}`);
    const battles: Battle[] = names.flatMap((name, i) => {
      const next = names[(i + 1) % names.length] as string;
      return [
        { modelA: name, modelB: next, winner: 'model_a' as const },
        { modelA: next, modelB: name, winner: i % 3 === 0 ? ('tie' as const) : ('model_a' as const) },
      ];
    });
    check(battles);
  });

  it('names the index and field of the first malformed battle', () => {
    const ok: Battle = { modelA: 'a', modelB: 'b', winner: 'model_a' };
    const cases: [unknown, RegExp][] = [
      [{ modelA: '', modelB: 'b', winner: 'tie' }, /battle 1: modelA must be a non-empty string/],
      [{ modelA: 'a', modelB: 'a', winner: 'tie' }, /battle 1: a model cannot battle itself \("a"\)/],
      [{ modelA: 'a', modelB: 'b', winner: 'draw' }, /battle 1: unknown winner "draw"/],
    ];
    for (const [bad, message] of cases) {
      const attempt = () => aggregateBattles([ok, bad as Battle, { modelA: 'x', modelB: 'x', winner: 'tie' }]);
      expect(attempt).toThrow(message);
      expect(attempt).toThrow(PrefplayError);
    }
  });
});
