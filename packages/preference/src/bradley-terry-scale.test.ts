import { createRng } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import type { Battle } from './aggregate-battles.js';
import { fitBradleyTerry } from './fit-bradley-terry.js';
import { leaderboard } from './leaderboard.js';

// Timing at this scale is measured by `pnpm bench` (bradley-terry case), not asserted here.
describe('Bradley-Terry at arena scale', () => {
  it('200,000 battles among 100 models: the fit recovers the truth and bootstrap intervals contain it', () => {
    const rng = createRng(21);
    const n = 100;
    const strengths = Array.from({ length: n }, () => rng.normal());
    const mean = strengths.reduce((a, b) => a + b, 0) / n;
    const names = strengths.map((_, i) => `m${String(i).padStart(3, '0')}`);
    const battles: Battle[] = new Array(200_000);
    for (let k = 0; k < battles.length; k++) {
      const i = rng.int(n);
      let j = rng.int(n - 1);
      if (j >= i) j++;
      const p = 1 / (1 + Math.exp(-((strengths[i] as number) - (strengths[j] as number))));
      const u = rng.next();
      const winner = u < p ? 'model_a' : 'model_b';
      battles[k] = { modelA: names[i] as string, modelB: names[j] as string, winner };
    }
    const fit = fitBradleyTerry(battles);
    const errors = fit.theta.map((t, i) => Math.abs(t - ((strengths[i] as number) - mean)));
    expect(Math.max(...errors)).toBeLessThan(0.2);

    const rows = leaderboard(battles, { bootstrap: 20, seed: 3 });
    expect(rows).toHaveLength(n);
    for (const row of rows) {
      expect(row.ratingQ025).toBeLessThanOrEqual(row.rating + 1e-9);
      expect(row.ratingQ975).toBeGreaterThanOrEqual(row.rating - 1e-9);
    }
  });
});
