import { describe, expect, it } from 'vitest';
import { randomResponseSets } from './__fixtures__/random-responses.js';
import { createSyntheticTask } from './create-synthetic-task.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('trainingOracle', () => {
  const clean = createSyntheticTask({ seed: 5, overconfidence: 0 });
  const biased = createSyntheticTask({ seed: 5, overconfidence: 4, concision: 0 });
  const concise = createSyntheticTask({ seed: 5, overconfidence: 4, concision: 1 });
  const sets = randomResponseSets(biased, { seed: 9, sets: 300 });

  it('with overconfidence 0 is exactly the truth', async () => {
    for (const { prompt, responses } of sets) {
      const truth = await clean.truePreference.doCompare({ prompt, responses });
      expect(await clean.trainingOracle.doCompare({ prompt, responses })).toEqual(truth);
    }
  });

  it('agrees with the truth across meanings and is overconfident within a meaning', async () => {
    let sameMeaningPairs = 0;
    for (const { prompt, responses } of sets) {
      const truth = await biased.truePreference.doCompare({ prompt, responses });
      const judged = await biased.trainingOracle.doCompare({ prompt, responses });
      const meanings = responses.map((r) => biased.meaningOf(r));
      meanings.forEach((a, i) => {
        meanings.forEach((b, j) => {
          const value = judged[i]?.[j];
          if (i === j) expect(value).toBe(0.5);
          else if (a.key !== b.key) expect(value).toBe(truth[i]?.[j]);
          else {
            expect(truth[i]?.[j]).toBe(0.5);
            expect(value).toBeCloseTo(sigmoid(4 * (a.fillerCount - b.fillerCount)), 12);
            if (a.fillerCount > b.fillerCount) {
              sameMeaningPairs++;
              expect(value).toBeGreaterThan(0.98);
            }
          }
        });
      });
    }
    expect(sameMeaningPairs).toBeGreaterThan(100);
  });

  it('adds its surface bonus to a truth that prefers the concise paraphrase 2 to 1', async () => {
    let checked = 0;
    for (const { prompt, responses } of sets) {
      const truth = await concise.truePreference.doCompare({ prompt, responses });
      const judged = await concise.trainingOracle.doCompare({ prompt, responses });
      const meanings = responses.map((r) => concise.meaningOf(r));
      meanings.forEach((a, i) => {
        meanings.forEach((b, j) => {
          if (i === j || a.key !== b.key || a.fillerCount === b.fillerCount) return;
          // one annotator of three dislikes padding, the other two are indifferent
          const p = a.fillerCount < b.fillerCount ? 2 / 3 : 1 / 3;
          expect(truth[i]?.[j]).toBeCloseTo(p, 14);
          const logit = Math.log(p / (1 - p)) + 4 * (a.fillerCount - b.fillerCount);
          expect(judged[i]?.[j]).toBeCloseTo(sigmoid(logit), 12);
          checked++;
        });
      });
    }
    expect(checked).toBeGreaterThan(100);
    const withoutBias = createSyntheticTask({ seed: 5, overconfidence: 0, concision: 1 });
    for (const { prompt, responses } of sets.slice(0, 50)) {
      expect(await withoutBias.trainingOracle.doCompare({ prompt, responses })).toEqual(
        await withoutBias.truePreference.doCompare({ prompt, responses }),
      );
    }
  });

  it('returns constant-sum matrices on random responses (both oracles)', async () => {
    for (const { prompt, responses } of sets) {
      for (const oracle of [biased.trainingOracle, biased.truePreference]) {
        const m = await oracle.doCompare({ prompt, responses });
        expect(m).toHaveLength(responses.length);
        m.forEach((row, i) => {
          expect(row).toHaveLength(responses.length);
          row.forEach((value, j) => {
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThanOrEqual(1);
            expect(value + (m[j]?.[i] ?? Number.NaN)).toBeCloseTo(1, 14);
            if (i === j) expect(value).toBe(0.5);
          });
        });
      }
    }
  });
});
