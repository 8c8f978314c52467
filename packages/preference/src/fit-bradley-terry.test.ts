import { readFileSync } from 'node:fs';
import { createRng, PrefplayError } from '@prefplay/core';
import { assertClose } from '@prefplay/testing';
import { describe, expect, it } from 'vitest';
import { aggregateBattles, type Battle } from './aggregate-battles.js';
import { resampleCounts } from './bootstrap-bradley-terry.js';
import { fitBradleyTerry, fitCounts } from './fit-bradley-terry.js';

type Fixture = {
  games: [string, string, number, number][];
  tieTable: { rows: [string, string, number, number, number][] };
};
type Reference = {
  models: string[];
  theta: number[];
  logLikelihood: number;
  ridge: number;
  thetaRidge: number[];
  logLikelihoodRidge: number;
  davidson: { models: string[]; theta: number[]; nu: number; logLikelihood: number };
};

const fixture = JSON.parse(
  readFileSync(new URL('./__fixtures__/baseball-1987.json', import.meta.url), 'utf8'),
) as Fixture;
const reference = JSON.parse(
  readFileSync(new URL('./__fixtures__/bradley-terry-reference.json', import.meta.url), 'utf8'),
) as Reference;

function repeat(modelA: string, modelB: string, winner: Battle['winner'], times: number): Battle[] {
  return Array.from({ length: times }, () => ({ modelA, modelB, winner }));
}

const baseball: Battle[] = fixture.games.flatMap(([home, away, homeWins, awayWins]) => [
  ...repeat(home, away, 'model_a', homeWins),
  ...repeat(home, away, 'model_b', awayWins),
]);
const tieBattles: Battle[] = fixture.tieTable.rows.flatMap(([a, b, winsA, winsB, ties]) => [
  ...repeat(a, b, 'model_a', winsA),
  ...repeat(b, a, 'model_a', winsB),
  ...repeat(a, b, 'tie', Math.ceil(ties / 2)),
  ...repeat(b, a, 'tie (bothbad)', Math.floor(ties / 2)),
]);

describe('fitBradleyTerry', () => {
  it('matches scipy maximum likelihood on Agresti’s 1987 American League baseball data to 1e-3', () => {
    const fit = fitBradleyTerry(baseball);
    expect(fit.models).toEqual(reference.models);
    assertClose(fit.theta, reference.theta, { atol: 1e-3, rtol: 0 });
    // the solver is far tighter than the contract's 1e-3
    assertClose(fit.theta, reference.theta, { atol: 1e-6, rtol: 0 });
    assertClose(fit.logLikelihood, reference.logLikelihood, { atol: 1e-8, rtol: 0 });
    expect(fit.theta.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
    expect(fit.iterations).toBeLessThan(20);
  });

  it('reproduces the published gaps to Baltimore (Agresti 2002, §10.6: 1.58, 1.44, 1.29, 1.25, 1.11, 0.68)', () => {
    const fit = fitBradleyTerry(baseball, { anchor: { model: 'Baltimore' } });
    const by = (m: string) => fit.theta[fit.models.indexOf(m)] as number;
    expect(by('Baltimore')).toBe(0);
    const published: [string, number][] = [
      ['Milwaukee', 1.58],
      ['Detroit', 1.44],
      ['Toronto', 1.29],
      ['New York', 1.25],
      ['Boston', 1.11],
      ['Cleveland', 0.68],
    ];
    for (const [team, value] of published) expect(Math.abs(by(team) - value)).toBeLessThanOrEqual(0.005 + 1e-9);
  });

  it('matches scipy with an L2 ridge penalty', () => {
    const fit = fitBradleyTerry(baseball, { ridge: reference.ridge });
    assertClose(fit.theta, reference.thetaRidge, { atol: 1e-6, rtol: 0 });
    assertClose(fit.logLikelihood, reference.logLikelihoodRidge, { atol: 1e-7, rtol: 0 });
  });

  it('matches scipy on Davidson ties (θ and ν jointly)', () => {
    const fit = fitBradleyTerry(tieBattles, { ties: 'davidson' });
    expect(fit.models).toEqual(reference.davidson.models);
    assertClose(fit.theta, reference.davidson.theta, { atol: 1e-6, rtol: 0 });
    assertClose(fit.nu ?? Number.NaN, reference.davidson.nu, { atol: 1e-6, rtol: 0 });
    assertClose(fit.logLikelihood, reference.davidson.logLikelihood, { atol: 1e-7, rtol: 0 });
  });

  it('Davidson with two players equals the closed form θ₁−θ₂ = ln(a/b), ν = t/√(ab)', () => {
    for (const [a, b, t] of [
      [7, 3, 5],
      [20, 11, 2],
      [1, 4, 9],
    ] as const) {
      const battles = [
        ...repeat('x', 'y', 'model_a', a),
        ...repeat('x', 'y', 'model_b', b),
        ...repeat('y', 'x', 'tie', t),
      ];
      const fit = fitBradleyTerry(battles, { ties: 'davidson' });
      const [tx, ty] = fit.theta as [number, number];
      assertClose(tx - ty, Math.log(a / b), { atol: 1e-9, rtol: 0 });
      assertClose(fit.nu ?? Number.NaN, t / Math.sqrt(a * b), { atol: 1e-9, rtol: 0 });
      const n = a + b + t;
      assertClose(fit.logLikelihood, a * Math.log(a / n) + b * Math.log(b / n) + t * Math.log(t / n), {
        atol: 1e-9,
        rtol: 0,
      });
    }
  });

  it('half-tie mode equals two-player closed form σ(θ₁−θ₂) = (a + t/2)/n', () => {
    const battles = [
      ...repeat('x', 'y', 'model_a', 6),
      ...repeat('y', 'x', 'model_a', 2),
      ...repeat('x', 'y', 'tie', 4),
    ];
    const fit = fitBradleyTerry(battles);
    const [tx, ty] = fit.theta as [number, number];
    assertClose(1 / (1 + Math.exp(-(tx - ty))), 8 / 12, { atol: 1e-10, rtol: 0 });
    const davidson = fitBradleyTerry(battles, { ties: 'davidson' });
    expect(davidson.nu).toBeGreaterThan(0);
  });

  it('Davidson without ties reduces to plain Bradley-Terry with ν = 0', () => {
    const plain = fitBradleyTerry(baseball);
    const davidson = fitBradleyTerry(baseball, { ties: 'davidson' });
    expect(davidson.nu).toBe(0);
    assertClose(davidson.theta, plain.theta, { atol: 1e-9, rtol: 0 });
  });

  it('an anchor shifts θ so the anchor sits at its rating on the Elo scale', () => {
    const free = fitBradleyTerry(baseball);
    const anchored = fitBradleyTerry(baseball, { anchor: { model: 'Boston', rating: 1200 } });
    const boston = anchored.models.indexOf('Boston');
    assertClose(anchored.theta[boston] as number, (200 * Math.LN10) / 400, { atol: 1e-12, rtol: 0 });
    const shift = (anchored.theta[0] as number) - (free.theta[0] as number);
    assertClose(
      anchored.theta,
      free.theta.map((t) => t + shift),
      { atol: 1e-12, rtol: 0 },
    );
  });

  it('accepts aggregated counts and gives the same answer', () => {
    const counts = aggregateBattles(baseball);
    expect(counts.totalBattles).toBe(baseball.length);
    assertClose(fitBradleyTerry(counts).theta, fitBradleyTerry(baseball).theta, { atol: 0, rtol: 0 });
  });

  it('names a model that never lost and suggests ridge; ridge gives a finite answer', () => {
    const battles = [
      ...repeat('champ', 'b', 'model_a', 3),
      ...repeat('c', 'champ', 'model_b', 2),
      ...repeat('b', 'c', 'model_a', 2),
      ...repeat('c', 'b', 'model_a', 1),
    ];
    expect(() => fitBradleyTerry(battles)).toThrowError(/"champ" never lost.*ridge > 0/);
    try {
      fitBradleyTerry(battles);
    } catch (error) {
      expect(PrefplayError.hasCode(error, 'numerical')).toBe(true);
    }
    const fit = fitBradleyTerry(battles, { ridge: 0.1 });
    expect(fit.theta.every(Number.isFinite)).toBe(true);
    expect(fit.theta[fit.models.indexOf('champ')]).toBeGreaterThan(
      Math.max(...fit.theta.filter((_, i) => fit.models[i] !== 'champ')),
    );
  });

  it('names a model that never won', () => {
    const battles = [
      ...repeat('a', 'b', 'model_a', 2),
      ...repeat('b', 'a', 'model_a', 1),
      ...repeat('a', 'loser', 'model_a', 2),
    ];
    expect(() => fitBradleyTerry(battles)).toThrowError(/"loser" never won/);
  });

  it('names the groups of a disconnected comparison graph', () => {
    const battles = [
      ...repeat('a', 'b', 'model_a', 2),
      ...repeat('b', 'a', 'model_a', 1),
      ...repeat('c', 'd', 'model_a', 2),
      ...repeat('d', 'c', 'model_a', 1),
    ];
    expect(() => fitBradleyTerry(battles)).toThrowError(/disconnected.*\{"a", "b"\} vs \{"c", "d"\}/);
    const fit = fitBradleyTerry(battles, { ridge: 1, ties: 'davidson' });
    expect(fit.theta.every(Number.isFinite)).toBe(true);
  });

  it('names a dominant group when no single model is unbeaten', () => {
    const battles = [
      ...repeat('a', 'b', 'model_a', 1),
      ...repeat('b', 'a', 'model_a', 1),
      ...repeat('c', 'd', 'model_a', 1),
      ...repeat('d', 'c', 'model_a', 1),
      ...repeat('a', 'c', 'model_a', 3),
      ...repeat('b', 'd', 'model_a', 3),
    ];
    expect(() => fitBradleyTerry(battles)).toThrowError(/group "a", "b" never lost/);
    expect(fitBradleyTerry(battles, { ridge: 0.01 }).theta.every(Number.isFinite)).toBe(true);
  });

  it('ties rescue existence: a tie counts both ways', () => {
    const battles = [...repeat('a', 'b', 'model_a', 3), ...repeat('a', 'b', 'tie', 1)];
    const fit = fitBradleyTerry(battles);
    assertClose(1 / (1 + Math.exp(-((fit.theta[0] as number) - (fit.theta[1] as number)))), 3.5 / 4, {
      atol: 1e-10,
      rtol: 0,
    });
  });

  it('rejects bad options and bad battles with the field named', () => {
    expect(() => fitBradleyTerry(baseball, { ridge: -1 })).toThrowError(/fitBradleyTerry options.*"ridge"/);
    expect(() => fitBradleyTerry(baseball, { anchor: { model: 'Yankees' } })).toThrowError(/anchor model "Yankees"/);
    expect(() => fitBradleyTerry([{ modelA: 'a', modelB: 'b', winner: 'draw' as Battle['winner'] }])).toThrowError(
      /battles\[0\]\.winner/,
    );
    expect(() => fitBradleyTerry([])).toThrowError(/no battles/);
    expect(() => fitBradleyTerry(repeat('a', 'b', 'tie', 3), { ties: 'davidson' })).toThrowError(
      /every battle is a tie/,
    );
  });
});

describe('fitCounts warm-started from a fit (bootstrap refits)', () => {
  const settings = (davidson: boolean, ridge: number) => ({ davidson, ridge, maxIterations: 100, tolerance: 1e-10 });
  it.each([
    [false, 0],
    [false, 0.5],
    [true, 0],
  ])('reaches the cold-start Newton estimate on resamples (Davidson %s, ridge %s)', (davidson, ridge) => {
    const counts = aggregateBattles(davidson ? tieBattles : baseball);
    const core = settings(davidson, ridge);
    const full = fitCounts(counts, core);
    expect(full.factor?.size).toBe(counts.models.length + (davidson ? 1 : 0));
    const rng = createRng(4);
    for (let round = 0; round < 5; round++) {
      const resampled = resampleCounts(counts, rng);
      const warm = fitCounts(resampled, core, full);
      const cold = fitCounts(resampled, core);
      assertClose(Array.from(warm.theta), Array.from(cold.theta), { atol: 1e-8, rtol: 0 });
      if (davidson) expect(Math.abs(warm.logNu - cold.logNu)).toBeLessThan(1e-8);
      expect(Math.abs(warm.logLikelihood - cold.logLikelihood)).toBeLessThan(1e-7);
    }
  });

  it('falls back to full Newton when the start is far from the answer', () => {
    const counts = aggregateBattles(baseball);
    const core = settings(false, 0);
    // A start fitted to the reversed outcomes: the estimate's mirror image.
    const reversed = aggregateBattles(
      baseball.map((b) => ({ ...b, winner: b.winner === 'model_a' ? 'model_b' : 'model_a' })),
    );
    const far = fitCounts(reversed, core);
    const warm = fitCounts(counts, core, far);
    assertClose(Array.from(warm.theta), Array.from(fitCounts(counts, core).theta), { atol: 1e-8, rtol: 0 });
  });
});
