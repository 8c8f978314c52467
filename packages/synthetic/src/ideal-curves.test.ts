import { describe, expect, it } from 'vitest';
import { histogramOf, padded } from './__fixtures__/histogram-of.js';
import { claimsOfTopic } from './claim-exploitability.js';
import { createSyntheticTask } from './create-synthetic-task.js';
import { distributionSummary } from './distribution-metrics.js';
import { expectedDistinctMeanings, idealCurves } from './ideal-curves.js';
import type { SyntheticMeaning } from './parse-response.js';

describe('idealCurves', () => {
  const task = createSyntheticTask({ seed: 2, overconfidence: 4 });
  const topics = task.evalPrompts.map((p) => task.topicOf(p));
  const base = topics.map((topic) => {
    const claims = claimsOfTopic(topic);
    return histogramOf(
      [claims[0], claims[4], padded(claims[0] as SyntheticMeaning, 2)] as SyntheticMeaning[],
      [60, 20, 20],
    );
  });

  it('starts at the base: win rate 1/2 exactly and the base’s exact exploitability', () => {
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
    expect(Object.keys(curves)).toEqual(['exact SPPO', 'exact S-SPPO']);
    for (const rows of Object.values(curves)) {
      expect(rows.map((r) => r.iteration)).toEqual([0, 1, 2, 3]);
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
      // two distinct meanings at 0.8 and 0.2: 1 − 0.2⁸ + 1 − 0.8⁸ expected among 8 draws
      expect(rows[0]?.distinctMeanings).toBeCloseTo(2 - 0.2 ** 8 - 0.8 ** 8, 14);
      expect(rows[0]?.wellFormed).toBeCloseTo(1, 14);
      expect(rows[0]?.fillers).toBeCloseTo(0.4, 14);
    }
    // exact S-SPPO moves toward the claim that beats the dominant one
    expect(curves['exact S-SPPO']?.[3]?.winRateVsBase as number).toBeGreaterThan(0.52);
    // exact SPPO under κ = 4 moves mass to the padded paraphrase, exact S-SPPO does not
    expect(curves['exact SPPO']?.[3]?.fillers as number).toBeGreaterThan(curves['exact SPPO']?.[0]?.fillers as number);
    expect(curves['exact S-SPPO']?.[3]?.fillers as number).toBeLessThanOrEqual(
      curves['exact S-SPPO']?.[0]?.fillers as number,
    );
  });

  it('counts distinct meanings as the rarefied expectation, types of one meaning pooled', () => {
    // by enumeration of all 3² ordered draws of k = 2 from (a 0.5, a+fillers 0.25, b 0.25):
    // the meanings are a with 0.75 and b with 0.25, so E[distinct] = 1·(0.75² + 0.25²) + 2·(2·0.75·0.25)
    const types = [{ key: 'a' }, { key: 'a' }, { key: 'b' }];
    const p = [0.5, 0.25, 0.25];
    let enumerated = 0;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        enumerated += (p[i] as number) * (p[j] as number) * new Set([types[i]?.key, types[j]?.key]).size;
      }
    }
    expect(expectedDistinctMeanings(types, p, 2)).toBeCloseTo(enumerated, 14);
    expect(expectedDistinctMeanings(types, p, 1)).toBeCloseTo(1, 14);
    // the product form is the power (to rounding) for a larger k
    expect(expectedDistinctMeanings(types, p, 8)).toBeCloseTo(2 - 0.25 ** 8 - 0.75 ** 8, 14);
    expect(() => expectedDistinctMeanings(types, p, 2.5)).toThrow(/whole number of at least 1, got 2.5/);
    expect(() => expectedDistinctMeanings(types, p, 0)).toThrow(/got 0/);
  });
});
