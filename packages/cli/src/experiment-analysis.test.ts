import {
  claimsOfTopic,
  createSyntheticTask,
  type MeaningHistogram,
  meaningLabel,
  type SyntheticMeaning,
  type SyntheticTask,
} from '@prefplay/synthetic';
import { describe, expect, it } from 'vitest';
import { analyseExperiment, type CellSpec, type RunRecord } from './experiment-analysis.js';

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
