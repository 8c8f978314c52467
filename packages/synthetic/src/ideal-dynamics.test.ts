import type { ResponseV1 } from '@prefplay/core';
import { exploitability, multiplicativeWeights, vonNeumannWinner } from '@prefplay/evaluators';
import { linearRampGate } from '@prefplay/preference';
import { describe, expect, it } from 'vitest';
import { claimsOfTopic } from './claim-exploitability.js';
import { createSyntheticTask, type SyntheticPrompt } from './create-synthetic-task.js';
import { distributionSummary } from './distribution-metrics.js';
import { idealDynamics } from './ideal-dynamics.js';
import { meaningHistogram, meaningLabel } from './meaning-histogram.js';
import { truthMatrix } from './true-preference.js';

const gate = linearRampGate({ low: 0.7, high: 0.95 });

function cosine(a: readonly number[], b: readonly number[]): number {
  const dot = a.reduce((s, x, i) => s + x * (b[i] as number), 0);
  const norm = (v: readonly number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return dot / (norm(a) * norm(b));
}

describe('idealDynamics', () => {
  const task = createSyntheticTask({ seed: 4, overconfidence: 4, concision: 1 });
  const prompt = task.evalPrompts[0] as SyntheticPrompt;
  const topic = ['cats', 'dogs', 'rivers', 'songs', 'cities', 'books'][prompt.topic] as string;
  const synonym = ['kittens', 'puppies', 'streams', 'tunes', 'towns', 'novels'][prompt.topic] as string;
  // several surface forms per meaning type, with unequal probabilities
  const texts = [
    `${topic} are calm today .`,
    `${synonym} seem quiet lately .`,
    `really ${topic} are calm today .`,
    `${topic} are really peaceful lately .`,
    `so so ${topic} are calm today .`,
    `${topic} are bright outside .`,
    `${synonym} are vivid outdoors .`,
    `${topic} are very lively outside .`,
    `${topic} are strong together .`,
    `${topic} are tough today .`,
    `dogs are calm today .`.replace('dogs', prompt.topic === 1 ? 'cats' : 'dogs'),
    `${topic} are calm`,
    `${topic} calm calm today .`,
  ];
  const responses: ResponseV1[] = texts.map((t) =>
    t.endsWith('.') ? task.response(t) : { tokens: task.response(t).tokens.slice(0, -1) },
  );
  const weights = texts.map((_, i) => 1 + ((i * 7) % 5));
  const total = weights.reduce((a, b) => a + b, 0);
  const responseProbabilities = weights.map((w) => w / total);
  const meanings = responses.map((r) => task.meaningOf(r));
  const histogram = meaningHistogram(meanings);
  const typeProbabilities = histogram.labels.map((label) =>
    meanings.reduce((s, m, i) => s + (meaningLabel(m) === label ? (responseProbabilities[i] as number) : 0), 0),
  );

  /** Response-level exact update by the evaluators' multiplicative weights, summed over each type's responses. */
  async function responseLevel(calibrated: boolean, eta: number, iterations: number): Promise<number[][]> {
    let matrix = await task.trainingOracle.doCompare({ prompt, responses });
    if (calibrated) {
      const embeddings = await task.encoder.doEncode({ responses, prompt });
      matrix = matrix.map((row, i) =>
        row.map((v, j) => {
          const s = Math.min(1, Math.max(0, cosine(embeddings[i] as number[], embeddings[j] as number[])));
          return i === j ? 0.5 : 0.5 + gate.apply(s) * (v - 0.5);
        }),
      );
    }
    const run = multiplicativeWeights(matrix, { eta, iterations, initial: responseProbabilities });
    return run.lastIterates.map((p) =>
      histogram.labels.map((label) =>
        meanings.reduce((s, m, i) => s + (meaningLabel(m) === label ? (p[i] as number) : 0), 0),
      ),
    );
  }

  it('equals exact SPPO on the responses themselves, summed over each meaning type', async () => {
    expect(histogram.labels.length).toBeLessThan(responses.length);
    for (const calibrated of [false, true]) {
      const expected = await responseLevel(calibrated, 3.5, 6);
      const ideal = idealDynamics({
        population: task.population,
        topic: prompt.topic,
        types: histogram.types,
        start: typeProbabilities,
        overconfidence: 4,
        eta: 3.5,
        iterations: 6,
        ...(calibrated ? { gate } : {}),
      });
      expect(ideal.distributions).toHaveLength(7);
      ideal.distributions.forEach((p, t) => {
        p.forEach((value, i) => {
          expect(value).toBeCloseTo(expected[t]?.[i] as number, 12);
        });
      });
    }
  });

  it('takes the Hedge step computed by hand on a paraphrase pair', () => {
    // one claim, 0 and 2 fillers, half each: P(padded ≻ concise) = σ(logit(1/3) + 4·2)
    const [plain, padded] = [
      task.response(`${topic} are calm today .`),
      task.response(`so so ${topic} are calm today .`),
    ];
    const types = [task.meaningOf(plain), task.meaningOf(padded)];
    const p = 1 / (1 + Math.exp(-(Math.log(1 / 2) + 8)));
    const ideal = idealDynamics({
      population: task.population,
      topic: prompt.topic,
      types,
      start: [0.5, 0.5],
      overconfidence: 4,
      eta: 2,
      iterations: 1,
    });
    const w = [0.5 * Math.exp(2 * (0.25 + 0.5 * (1 - p))), 0.5 * Math.exp(2 * (0.25 + 0.5 * p))];
    expect(ideal.distributions[1]?.[1]).toBeCloseTo((w[1] as number) / ((w[0] as number) + (w[1] as number)), 14);
    // S-SPPO's gate closes on the pair: nothing moves
    const gated = idealDynamics({
      ...{ population: task.population, topic: prompt.topic, types },
      start: [0.5, 0.5],
      overconfidence: 4,
      eta: 2,
      iterations: 1,
      gate,
    });
    expect(gated.distributions[1]).toEqual([0.5, 0.5]);
  });

  it('rejects starting probabilities that do not match the types', () => {
    expect(() =>
      idealDynamics({
        population: task.population,
        topic: prompt.topic,
        types: histogram.types,
        start: [1],
        overconfidence: 0,
        eta: 1,
        iterations: 1,
      }),
    ).toThrow(/starting probabilities/);
  });
});

describe('exact exploitability over meanings', () => {
  for (const concision of [0, 1]) {
    const task = createSyntheticTask({ seed: 9, concision });
    const topic = 2;
    // every type a best response could be: the nine claims with 0-3 fillers, off-topic, malformed
    const candidates = [0, 1, 2, 3].flatMap((f) => claimsOfTopic(topic).map((m) => ({ ...m, fillerCount: f })));
    candidates.push(
      ...claimsOfTopic(0).map((m) => ({ ...m, fillerCount: 1 })),
      { wellFormed: false, terminated: false, key: 'malformed', fillerCount: 0, length: 16 },
      { wellFormed: false, terminated: true, key: 'malformed', fillerCount: 4, length: 9 },
    );

    it(`is the best reply over every type, by the evaluators' exploitability (concision ${concision})`, () => {
      const m = truthMatrix(task.population, topic, candidates);
      for (const seed of [1, 2, 3, 4]) {
        const weights = candidates.map((_, i) => ((i * 7919 + seed * 104729) % 13 < 4 ? 1 + ((i + seed) % 3) : 0));
        const total = weights.reduce((a, b) => a + b, 0);
        const policy = weights.map((w) => w / total);
        const support = candidates.filter((_, i) => (weights[i] as number) > 0);
        const supportWeights = weights.filter((w) => w > 0);
        const exact = distributionSummary(task.population, topic, { types: support, weights: supportWeights });
        expect(exact.exploitability).toBeCloseTo(exploitability(m, policy), 12);
      }
    });

    it(`is 0 at the von Neumann winner of the claims found by the LP, and so is the pool of every type (concision ${concision})`, () => {
      const claims = claimsOfTopic(topic);
      const winner = vonNeumannWinner(truthMatrix(task.population, topic, claims));
      const exact = distributionSummary(task.population, topic, { types: claims, weights: winner.policy });
      expect(Math.abs(exact.exploitability)).toBeLessThan(1e-9);
      const m = truthMatrix(task.population, topic, candidates);
      const policy = candidates.map((c, i) => (i < 9 && c.fillerCount === 0 ? (winner.policy[i] as number) : 0));
      expect(exploitability(m, policy)).toBeLessThan(1e-9);
    });
  }
});
