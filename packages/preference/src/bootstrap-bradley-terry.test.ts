import { createRng } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { aggregateBattles, type Battle } from './aggregate-battles.js';
import { bootstrapBradleyTerry, resampleCounts } from './bootstrap-bradley-terry.js';
import { fitBradleyTerry, fitCounts } from './fit-bradley-terry.js';
import { percentile } from './leaderboard.js';

function simulate(seed: number, battlesCount: number, truth: number[]): Battle[] {
  const rng = createRng(seed);
  const n = truth.length;
  const out: Battle[] = [];
  for (let k = 0; k < battlesCount; k++) {
    const i = rng.int(n);
    let j = rng.int(n - 1);
    if (j >= i) j++;
    const d = (truth[i] as number) - (truth[j] as number);
    const u = rng.next();
    const pTie = 0.1;
    const pWin = (1 - pTie) / (1 + Math.exp(-d));
    const winner = u < pWin ? 'model_a' : u < pWin + pTie ? 'tie' : 'model_b';
    out.push({ modelA: `m${i}`, modelB: `m${j}`, winner });
  }
  return out;
}

const truth = [0.8, 0.3, 0, -0.4, -0.7];

describe('bootstrapBradleyTerry', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const battles = simulate(1, 2000, truth);
    const a = bootstrapBradleyTerry(battles, { rounds: 20, seed: 5 });
    const b = bootstrapBradleyTerry(battles, { rounds: 20, seed: 5 });
    const c = bootstrapBradleyTerry(battles, { rounds: 20, seed: 6 });
    expect(a.thetaSamples).toEqual(b.thetaSamples);
    expect(a.thetaSamples).not.toEqual(c.thetaSamples);
    expect(a.thetaSamples).toHaveLength(20);
    expect(a.models).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('refits each resample from the full-data factor to the estimate a cold Newton fit finds', () => {
    // 40 models with strengths up to ±4, so the per-model e^θ form of the refit's gradient is exercised
    const wide = Array.from({ length: 40 }, (_, i) => -4 + (8 * i) / 39);
    const counts = aggregateBattles(simulate(4, 40_000, wide));
    const core = { davidson: false, ridge: 0, maxIterations: 100, tolerance: 1e-10 };
    const full = fitCounts(counts, core);
    const rng = createRng(9);
    for (let round = 0; round < 5; round++) {
      const resampled = resampleCounts(counts, rng);
      const warm = fitCounts(resampled, core, full);
      const cold = fitCounts(resampled, core);
      for (let i = 0; i < wide.length; i++) expect(warm.theta[i]).toBeCloseTo(cold.theta[i] as number, 9);
    }
  });

  it('resamples exactly as many battles as observed, per-cell mean equal to the observed count', () => {
    const counts = aggregateBattles(simulate(2, 3000, truth));
    const rng = createRng(9);
    const rounds = 400;
    const sum = new Float64Array(counts.pairI.length);
    for (let r = 0; r < rounds; r++) {
      const re = resampleCounts(counts, rng);
      expect(re.totalBattles).toBe(counts.totalBattles);
      for (let k = 0; k < sum.length; k++) sum[k] = (sum[k] as number) + (re.winsI[k] as number);
    }
    for (let k = 0; k < sum.length; k++) {
      const c = counts.winsI[k] as number;
      const sd = Math.sqrt((c * (1 - c / counts.totalBattles)) / rounds);
      expect(Math.abs((sum[k] as number) / rounds - c)).toBeLessThan(5 * sd + 1e-9);
    }
  });

  it('95% intervals contain the estimate and shrink like 1/√n', () => {
    const small = simulate(3, 2000, truth);
    const large = simulate(4, 32_000, truth);
    const width = (battles: Battle[]) => {
      const fit = fitBradleyTerry(battles);
      const boot = bootstrapBradleyTerry(battles, { rounds: 200, seed: 11 });
      return fit.models.map((_, i) => {
        const xs = boot.thetaSamples.map((s) => s[i] as number);
        const lo = percentile(xs, 0.025);
        const hi = percentile(xs, 0.975);
        expect(lo).toBeLessThan(fit.theta[i] as number);
        expect(hi).toBeGreaterThan(fit.theta[i] as number);
        return hi - lo;
      });
    };
    const wSmall = width(small);
    const wLarge = width(large);
    // 16× the data ⇒ widths ≈ 1/4; allow bootstrap noise
    const ratios = wLarge.map((w, i) => w / (wSmall[i] as number));
    const meanRatio = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    expect(meanRatio).toBeGreaterThan(0.18);
    expect(meanRatio).toBeLessThan(0.33);
  });

  it('bootstrap standard deviation agrees with the inverse-Fisher standard error (two models)', () => {
    // two models, n battles, no ties: θ₁−θ₂ = logit(p̂), se = 1/√(n p̂ (1−p̂)); zero-sum halves the gap
    const n = 4000;
    const wins = 2600;
    const battles: Battle[] = [];
    for (let k = 0; k < n; k++) battles.push({ modelA: 'a', modelB: 'b', winner: k < wins ? 'model_a' : 'model_b' });
    const boot = bootstrapBradleyTerry(battles, { rounds: 400, seed: 1 });
    const gaps = boot.thetaSamples.map((s) => (s[0] as number) - (s[1] as number));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / (gaps.length - 1));
    const p = wins / n;
    const se = 1 / Math.sqrt(n * p * (1 - p));
    expect(Math.abs(sd / se - 1)).toBeLessThan(0.15);
    expect(Math.abs(mean - Math.log(p / (1 - p)))).toBeLessThan((3 * se) / Math.sqrt(400) + 0.01);
  });

  it('anchors every sample like the fit', () => {
    const boot = bootstrapBradleyTerry(simulate(5, 1000, truth), {
      rounds: 5,
      seed: 1,
      anchor: { model: 'm2', rating: 1000 },
      ties: 'davidson',
    });
    for (const s of boot.thetaSamples) expect(s[2]).toBe(0);
  });

  it('names the failing round when a resample loses a model’s only loss; ridge fixes it', () => {
    const battles: Battle[] = [
      { modelA: 'a', modelB: 'b', winner: 'model_a' },
      { modelA: 'a', modelB: 'b', winner: 'model_b' },
      { modelA: 'b', modelB: 'c', winner: 'model_a' },
      { modelA: 'b', modelB: 'c', winner: 'model_b' },
    ];
    expect(() => bootstrapBradleyTerry(battles, { rounds: 50, seed: 1, missingMle: 'error' })).toThrowError(
      /bootstrap round \d+ of 50.*ridge > 0/,
    );
    const boot = bootstrapBradleyTerry(battles, { rounds: 50, seed: 1, ridge: 0.1 });
    expect(boot.thetaSamples.flat().every(Number.isFinite)).toBe(true);
  });

  it('validates its options', () => {
    expect(() => bootstrapBradleyTerry([], { rounds: 0, seed: 1 })).toThrowError(/"rounds"/);
  });

  describe('on sparse data (a schedule where resamples often lose the estimate)', () => {
    // A ring of 8 teams, each adjacent pair splitting two games 1-1, plus one chord won both ways:
    // the full data's estimate exists (every team won and lost, the graph is strongly connected),
    // but a resample often leaves a team without a win or a loss.
    const ring: Battle[] = [];
    for (let t = 0; t < 8; t++) {
      const a = `team${t}`;
      const b = `team${(t + 1) % 8}`;
      ring.push({ modelA: a, modelB: b, winner: 'model_a' }, { modelA: a, modelB: b, winner: 'model_b' });
    }
    ring.push(
      { modelA: 'team0', modelB: 'team4', winner: 'model_a' },
      { modelA: 'team4', modelB: 'team0', winner: 'model_a' },
    );

    /** Whether the MLE exists, by Floyd-Warshall reachability on "won or tied at least once". */
    function mleExists(counts: ReturnType<typeof aggregateBattles>): boolean {
      const n = counts.models.length;
      const reach = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => i === j));
      for (let k = 0; k < counts.pairI.length; k++) {
        const i = counts.pairI[k] as number;
        const j = counts.pairJ[k] as number;
        const t = counts.ties[k] as number;
        if ((counts.winsI[k] as number) > 0 || t > 0) (reach[i] as boolean[])[j] = true;
        if ((counts.winsJ[k] as number) > 0 || t > 0) (reach[j] as boolean[])[i] = true;
      }
      for (let m = 0; m < n; m++)
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) if (reach[i]?.[m] && reach[m]?.[j]) (reach[i] as boolean[])[j] = true;
      return reach.every((row) => row.every(Boolean));
    }

    it('finishes 100 rounds, leaving out exactly the resamples whose estimate does not exist', () => {
      expect(() => fitBradleyTerry(ring)).not.toThrow();
      const boot = bootstrapBradleyTerry(ring, { rounds: 100, seed: 3 });
      // Replay the same resamples (the rng is consumed only by resampleCounts) and judge each one
      // with an independent reachability check.
      const counts = aggregateBattles(ring);
      const rng = createRng(3);
      const expectedSkipped: number[] = [];
      for (let round = 1; round <= 100; round++)
        if (!mleExists(resampleCounts(counts, rng))) expectedSkipped.push(round);
      expect(expectedSkipped.length).toBeGreaterThan(10);
      expect(expectedSkipped.length).toBeLessThan(100);
      expect(boot.rounds).toBe(100);
      expect(boot.skippedRounds).toEqual(expectedSkipped);
      expect(boot.thetaSamples).toHaveLength(100 - expectedSkipped.length);
      for (const theta of boot.thetaSamples) for (const t of theta) expect(Number.isFinite(t)).toBe(true);
    });

    it("throws naming the round with missingMle: 'error', and skips nothing with a ridge", () => {
      expect(() => bootstrapBradleyTerry(ring, { rounds: 100, seed: 3, missingMle: 'error' })).toThrow(
        /bootstrap round \d+ of 100: .*(never (won|lost)|disconnected)/,
      );
      const ridged = bootstrapBradleyTerry(ring, { rounds: 20, seed: 3, ridge: 0.01 });
      expect(ridged.skippedRounds).toEqual([]);
      expect(ridged.thetaSamples).toHaveLength(20);
    });

    it('throws when no resample has an estimate', () => {
      // x–y and y–z split 1-1: a resample keeps the estimate only when it draws each of the four
      // battles once (4!/4⁴ ≈ 9%). Find a seed whose first two resamples both lose it.
      const pair: Battle[] = [
        { modelA: 'x', modelB: 'y', winner: 'model_a' },
        { modelA: 'x', modelB: 'y', winner: 'model_b' },
        { modelA: 'y', modelB: 'z', winner: 'model_a' },
        { modelA: 'y', modelB: 'z', winner: 'model_b' },
      ];
      const counts = aggregateBattles(pair);
      let seed = 0;
      for (; seed < 1000; seed++) {
        const rng = createRng(seed);
        if (!mleExists(resampleCounts(counts, rng)) && !mleExists(resampleCounts(counts, rng))) break;
      }
      expect(seed).toBeLessThan(1000);
      expect(() => bootstrapBradleyTerry(pair, { rounds: 2, seed })).toThrow(/in all 2 resamples/);
    });
  });
});
