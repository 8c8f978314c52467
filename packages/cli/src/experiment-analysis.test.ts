import {
  claimsOfTopic,
  createSyntheticTask,
  distributionSummary,
  idealDynamics,
  type MeaningHistogram,
  meaningLabel,
  type SyntheticMeaning,
  type SyntheticTask,
} from '@prefplay/synthetic';
import { describe, expect, it } from 'vitest';
import { analyseExperiment, type CellSpec, idealCurves, type RunRecord, stepFractions } from './experiment-analysis.js';

/** A histogram with the given (possibly fractional) mass on each type. */
function histogram(types: readonly SyntheticMeaning[], counts: readonly number[]): MeaningHistogram {
  const order = types.map((t, i) => ({ label: meaningLabel(t), type: t, count: counts[i] as number }));
  order.sort((a, b) => (a.label < b.label ? -1 : 1));
  return {
    labels: order.map((o) => o.label),
    types: order.map((o) => o.type),
    counts: order.map((o) => o.count),
    total: counts.reduce((a, b) => a + b, 0),
  };
}

const padded = (m: SyntheticMeaning, fillers: number): SyntheticMeaning => ({ ...m, fillerCount: fillers });

describe('experiment analysis', () => {
  const task = createSyntheticTask({ seed: 2, overconfidence: 4 });
  const topics = task.evalPrompts.map((p) => task.topicOf(p));
  const baseFor = (topic: number) => {
    const claims = claimsOfTopic(topic);
    return histogram(
      [claims[0], claims[4], padded(claims[0] as SyntheticMeaning, 2)] as SyntheticMeaning[],
      [60, 20, 20],
    );
  };
  const base = topics.map(baseFor);

  it('measures a step fraction of 1 for the exact update and 0 for none', () => {
    const exact = base.map((h, p) => {
      const run = idealDynamics({
        population: task.population,
        topic: topics[p] as number,
        types: h.types,
        start: h.counts.map((c) => c / h.total),
        overconfidence: 4,
        eta: 3,
        iterations: 1,
      });
      return histogram(h.types, run.distributions[1] as number[]);
    });
    const halfway = exact.map((h, p) =>
      histogram(
        h.types,
        h.counts.map(
          (c, i) => (c / h.total + (base[p]?.counts[i] as number) / (base[p] as MeaningHistogram).total) / 2,
        ),
      ),
    );
    const fractions = stepFractions({ task, baseHistograms: base, histograms: [base, exact, exact, halfway], eta: 3 });
    expect(fractions[1]?.fraction).toBeCloseTo(1, 12);
    // from the exact distribution, staying put realises none of the next exact step
    expect(fractions[2]?.fraction).toBeCloseTo(0, 12);
    expect(fractions[1]?.idealLength).toBeGreaterThan(0.01);
    expect(Number.isFinite(fractions[3]?.fraction)).toBe(true);
  });

  it('starts the ideal curves at the base: win rate 1/2 exactly and the base’s exact exploitability', () => {
    const curves = idealCurves({
      task,
      baseHistograms: base,
      specs: [
        { name: 'exact SPPO', eta: 3 },
        { name: 'exact S-SPPO', eta: 3, gate: { low: 0.7, high: 0.95 } },
      ],
      iterations: 3,
      diversitySubsample: 8,
    });
    for (const rows of Object.values(curves)) {
      expect(rows).toHaveLength(4);
      expect(rows[0]?.winRateVsBase).toBeCloseTo(0.5, 14);
      const exploitability =
        base.reduce(
          (s, h, p) =>
            s +
            distributionSummary(task.population, topics[p] as number, { types: h.types, weights: h.counts })
              .exploitability,
          0,
        ) / base.length;
      expect(rows[0]?.exploitability).toBeCloseTo(exploitability, 14);
    }
    // exact S-SPPO moves toward the claim that beats the dominant one
    expect(curves['exact S-SPPO']?.[3]?.winRateVsBase as number).toBeGreaterThan(0.52);
    // exact SPPO under κ = 4 moves mass to the padded paraphrase, exact S-SPPO does not
    expect(curves['exact SPPO']?.[3]?.fillers as number).toBeGreaterThan(curves['exact SPPO']?.[0]?.fillers as number);
    expect(curves['exact S-SPPO']?.[3]?.fillers as number).toBeLessThanOrEqual(
      curves['exact S-SPPO']?.[0]?.fillers as number,
    );
  });

  it('decides the criteria from per-seed final win rates and paired differences', () => {
    const cells: CellSpec[] = [0, 4].map((overconfidence) => ({
      label: `κ=${overconfidence}`,
      overconfidence,
      concision: 1,
      dominantClaimShare: 2 / 3,
    }));
    // an all-malformed policy loses to every base response
    const malformed: SyntheticMeaning = {
      wellFormed: false,
      terminated: false,
      key: 'malformed',
      fillerCount: 0,
      length: 16,
    };
    const record = (
      seed: number,
      cell: CellSpec,
      method: string,
      finalHistograms: MeaningHistogram[],
      w: number,
    ): RunRecord => ({
      seed,
      cell,
      method,
      algorithm: method,
      encoder: 'task',
      calibrated: method === 's-sppo',
      iterations: [
        { iteration: 0, winRateVsBase: 0.5, winRateVsBaseSE: 0.01 },
        { iteration: 1, winRateVsBase: w, winRateVsBaseSE: 0.01 },
      ],
      histograms: [base, finalHistograms],
      task: task as SyntheticTask,
      baseHistograms: base,
    });
    const same = base;
    const broken = topics.map(() => histogram([malformed], [100]));
    const records: RunRecord[] = [];
    for (const seed of [1, 2, 3]) {
      records.push(record(seed, cells[0] as CellSpec, 'sppo', same, 0.51));
      records.push(record(seed, cells[0] as CellSpec, 's-sppo', same, seed === 3 ? 0.49 : 0.52));
      records.push(record(seed, cells[1] as CellSpec, 'sppo', broken, seed === 1 ? 0.55 : 0.3));
      records.push(record(seed, cells[1] as CellSpec, 's-sppo', same, 0.5));
    }
    const analysis = analyseExperiment({ config: { seeds: [1, 2, 3] }, cells, records, ideals: [] });
    const verdict = (criterion: string) => analysis.verdicts.find((v) => v.criterion === criterion);
    expect(verdict('i')?.pass).toBe(false); // seed 3 of S-SPPO ends at 0.49
    expect(verdict('iii')?.pass).toBe(true); // 2 of 3 below 0.5
    // the paired difference is computed from the histograms: base against all-malformed = +1/2 per seed
    const comparison = analysis.cells[1]?.comparisons.find((c) => c.first === 's-sppo' && c.second === 'sppo');
    for (const p of comparison?.perSeed ?? []) expect(p.difference).toBeCloseTo(0.5, 12);
    expect(verdict('ii')?.pass).toBe(true);
    expect(verdict('ii')?.statement).toMatch(/3\/3 above 0/);
    // runs list: one entry per record with the fields of the issue
    expect(analysis.summary.runs).toHaveLength(12);
    expect(Object.keys(analysis.summary.runs[0]?.iterations[1] ?? {})).toEqual([
      'iteration',
      'winRateVsBase',
      'winRateVsBaseSE',
    ]);
    expect(analysis.summary.defaultCell).toBe('κ=4');
    expect(Object.keys(analysis.summary.methods)).toEqual(['sppo', 's-sppo']);
  });
});
