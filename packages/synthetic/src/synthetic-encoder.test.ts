import { describe, expect, it } from 'vitest';
import { randomResponseSets } from './__fixtures__/random-responses.js';
import { createSyntheticTask } from './create-synthetic-task.js';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

describe('synthetic encoder', () => {
  const task = createSyntheticTask({ seed: 2 });
  const encode = async (...texts: string[]) =>
    task.encoder.doEncode({ responses: texts.map((text) => task.response(text)) });

  it('returns unit vectors for any response', async () => {
    for (const { responses } of randomResponseSets(task, { seed: 1, sets: 50 })) {
      for (const v of await task.encoder.doEncode({ responses })) {
        expect(Math.hypot(...v)).toBeCloseTo(1, 12);
      }
    }
  });

  it('ignores fillers and synonyms', async () => {
    const [a, b, c] = await encode(
      'cats are calm today .',
      'really truly kittens seem very very peaceful lately please .',
      'so so so so cats are quiet today .',
    );
    expect(cosine(a ?? [], b ?? [])).toBeCloseTo(1, 12);
    expect(cosine(a ?? [], c ?? [])).toBeCloseTo(1, 12);
  });

  it('measures shared content slots', async () => {
    const [base, twoShared, oneShared, none] = await encode(
      'cats are calm today .',
      'cats are calm outside .',
      'dogs are calm outside .',
      'dogs are bright outside .',
    );
    expect(cosine(base ?? [], twoShared ?? [])).toBeCloseTo(2 / 3, 12);
    expect(cosine(base ?? [], oneShared ?? [])).toBeCloseTo(1 / 3, 12);
    expect(cosine(base ?? [], none ?? [])).toBeCloseTo(0, 12);
  });

  it('gives malformed text a vector of its own', async () => {
    const [claim, broken, open] = await task.encoder.doEncode({
      responses: [
        task.response('cats are calm today .'),
        task.response('cats calm are today .'),
        { tokens: task.response('really really cats are calm').tokens.slice(0, -1) },
      ],
    });
    expect(cosine(broken ?? [], open ?? [])).toBeCloseTo(1, 12);
    expect(cosine(claim ?? [], broken ?? [])).toBe(0);
  });
});
