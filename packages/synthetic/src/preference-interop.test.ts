import { gatedOracle, linearRampGate, populationOracle } from '@prefplay/preference';
import { describe, expect, it } from 'vitest';
import { randomResponseSets } from './__fixtures__/random-responses.js';
import { annotatorUtility, numAnnotators } from './annotators.js';
import { createSyntheticTask } from './create-synthetic-task.js';

const expectMatrixClose = (actual: number[][], expected: number[][]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((row, i) => {
    row.forEach((value, j) => {
      expect(value).toBeCloseTo(expected[i]?.[j] ?? Number.NaN, 12);
    });
  });
};

describe('the domain with @prefplay/preference', () => {
  const task = createSyntheticTask({ seed: 6, overconfidence: 4 });
  const sets = randomResponseSets(task, { seed: 4, sets: 120 });

  it('the true preference is populationOracle (hard) over the three annotators', async () => {
    const population = populationOracle({
      annotators: Array.from(
        { length: numAnnotators },
        (_, k) => (prompt, response) =>
          annotatorUtility(task.population, k, task.topicOf(prompt), task.meaningOf(response)),
      ),
      mode: 'hard',
    });
    for (const { prompt, responses } of sets) {
      expectMatrixClose(
        await population.doCompare({ prompt, responses }),
        await task.truePreference.doCompare({ prompt, responses }),
      );
    }
  });

  it('gating the training oracle with the encoder (ramp from 0.7 to 0.95) gives the truth on different meanings and 1/2 on the same, whatever κ', async () => {
    const gate = linearRampGate({ low: 0.7, high: 0.95 });
    let differs = 0;
    for (const concision of [0, 1]) {
      const truthTask = createSyntheticTask({ seed: 6, concision, overconfidence: 0 });
      const variants = [0, 1, 4, 8].map((overconfidence) => {
        const t = createSyntheticTask({ seed: 6, concision, overconfidence });
        return gatedOracle({ oracle: t.trainingOracle, encoder: t.encoder, gate });
      });
      for (const { prompt, responses } of sets) {
        const truth = await truthTask.truePreference.doCompare({ prompt, responses });
        const meanings = responses.map((r) => truthTask.meaningOf(r));
        const expected = truth.map((row, i) => row.map((v, j) => (meanings[i]?.key === meanings[j]?.key ? 0.5 : v)));
        const raw = await task.trainingOracle.doCompare({ prompt, responses });
        if (raw.some((row, i) => row.some((v, j) => Math.abs(v - (truth[i]?.[j] ?? 0)) > 0.1))) differs++;
        for (const gated of variants) {
          // bit for bit: S-SPPO with this encoder trains on the same targets for every κ
          expect(await gated.doCompare({ prompt, responses })).toEqual(expected);
        }
        // without concision that is exactly the truth
        if (concision === 0) expect(expected).toEqual(truth);
      }
    }
    expect(differs).toBeGreaterThan(30);
  });
});
