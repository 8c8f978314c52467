import { describe, expect, it } from 'vitest';
import { claimsOfTopic } from './claim-exploitability.js';
import { createSyntheticTask } from './create-synthetic-task.js';
import { truthMatrix } from './true-preference.js';

describe('truePreference', () => {
  const task = createSyntheticTask({ seed: 11 });
  const prompt = task.trainPrompts.find((p) => p.topic === 0);
  if (prompt === undefined) throw new Error('no training prompt on topic 0');

  it('is a majority with a Condorcet cycle and no Condorcet winner on every topic', () => {
    for (let topic = 0; topic < 6; topic++) {
      const claims = claimsOfTopic(topic);
      const m = truthMatrix(task.population, topic, claims);
      // Independent: the Latin square gives 2 annotators to 1 on every pair of different qualities.
      for (let i = 0; i < claims.length; i++) {
        for (let j = 0; j < claims.length; j++) {
          const a = claims[i]?.claim;
          const b = claims[j]?.claim;
          if (a === undefined || b === undefined) throw new Error('claim');
          const value = m[i]?.[j] ?? Number.NaN;
          if (a.quality !== b.quality) {
            const cycle = task.population.cycle[topic] ?? [];
            const ra = cycle[a.quality] ?? 0;
            const rb = cycle[b.quality] ?? 0;
            // Annotator k ranks quality q at (cycle[q] + k) mod 3: the one ranked right above wins 2 to 1.
            expect(value).toBeCloseTo((ra - rb + 3) % 3 === 1 ? 2 / 3 : 1 / 3, 15);
          } else if (a.context !== b.context) {
            const votes = (task.population.contextRank[topic] ?? []).filter(
              (rank) => (rank[a.context] ?? 0) > (rank[b.context] ?? 0),
            ).length;
            expect(value).toBeCloseTo(votes / 3, 15);
          } else {
            expect(value).toBe(0.5);
          }
        }
      }
      let cycles = 0;
      for (let a = 0; a < claims.length; a++) {
        for (let b = 0; b < claims.length; b++) {
          for (let c = 0; c < claims.length; c++) {
            if ((m[a]?.[b] ?? 0) > 0.5 && (m[b]?.[c] ?? 0) > 0.5 && (m[c]?.[a] ?? 0) > 0.5) cycles++;
          }
        }
      }
      expect(cycles).toBeGreaterThan(0);
      for (let a = 0; a < claims.length; a++) {
        expect(m.some((row) => (row[a] ?? 0) > 0.5)).toBe(true);
      }
    }
  });

  it('gives exactly 1/2 to the same meaning whatever the surface without concision', async () => {
    const indifferent = createSyntheticTask({ seed: 11, concision: 0 });
    const m = await indifferent.truePreference.doCompare({
      prompt,
      responses: [
        task.response('cats are calm today .'),
        task.response('really really kittens truly seem very peaceful so lately indeed .'),
        task.response('please kittens are quiet today .'),
      ],
    });
    expect(m).toEqual([
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5],
    ]);
  });

  it('with concision prefers the concise paraphrase 2 to 1 and leaves every other verdict alone', async () => {
    const indifferent = createSyntheticTask({ seed: 11, concision: 0 });
    const responses = [
      task.response('cats are calm today .'),
      task.response('really kittens seem peaceful lately .'),
      task.response('please kittens are quiet today .'),
      task.response('cats are very bright outside .'),
      task.response('so so dogs are strong together .'),
      task.response('dogs are tough jointly .'),
      task.response('books are calm today .'),
      { tokens: task.response('cats are calm today .').tokens.slice(0, -1) },
      { tokens: task.response('really cats are calm .').tokens },
    ];
    const m = await task.truePreference.doCompare({ prompt, responses });
    const plain = await indifferent.truePreference.doCompare({ prompt, responses });
    expect(m[0]?.[1]).toBeCloseTo(2 / 3, 15);
    expect(m[1]?.[2]).toBe(0.5);
    // off-topic claims are tied in meaning, so padding orders them too (2 fillers against none)
    expect(m[5]?.[4]).toBeCloseTo(2 / 3, 15);
    expect(m[5]?.[6]).toBe(0.5);
    // malformed: the unpadded one is preferred 2 to 1
    expect(m[7]?.[8]).toBeCloseTo(2 / 3, 15);
    const tied = (i: number, j: number) => {
      const a = task.meaningOf(responses[i] as never);
      const b = task.meaningOf(responses[j] as never);
      const offTopic = (x: typeof a) => x.wellFormed && x.claim?.topic !== prompt.topic;
      return a.key === b.key || (offTopic(a) && offTopic(b)) || (!a.wellFormed && !b.wellFormed);
    };
    let compared = 0;
    for (let i = 0; i < responses.length; i++) {
      for (let j = 0; j < responses.length; j++) {
        if (tied(i, j)) continue;
        expect(m[i]?.[j]).toBe(plain[i]?.[j]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('ranks malformed below off-topic below on-topic, unanimously', async () => {
    const m = await task.truePreference.doCompare({
      prompt,
      responses: [
        task.response('cats are calm today .'),
        task.response('dogs are calm today .'),
        { tokens: task.response('cats are calm today .').tokens.slice(0, -1) },
        task.response('cats are calm .'),
      ],
    });
    expect(m[0]).toEqual([0.5, 1, 1, 1]);
    expect(m[1]).toEqual([0, 0.5, 1, 1]);
    expect(m[2]).toEqual([0, 0, 0.5, 0.5]);
  });

  it('rejects a prompt that names no topic', async () => {
    await expect(
      task.truePreference.doCompare({
        prompt: { id: 'x', tokens: [0] },
        responses: [task.response('cats are calm today .')],
      }),
    ).rejects.toThrow(/names no topic/);
  });
});
