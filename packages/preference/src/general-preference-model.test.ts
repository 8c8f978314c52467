import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cyclePairs } from './__fixtures__/cycle-pairs.js';
import { isConstantSum } from './constant-sum.js';
import { createGeneralPreferenceModel, trainGeneralPreferenceModel } from './general-preference-model.js';

beforeAll(async () => {
  await useTestBackend();
});

const prompt = { id: 'p', tokens: [0] };
const oneHot = (size: number) => (_: unknown, r: { tokens: readonly number[] }) =>
  Array.from({ length: size }, (_, i) => (i === r.tokens[0] ? 1 : 0));
const item = (i: number) => ({ tokens: [i] });

describe('general preference model (GPM)', () => {
  it('fits rock-paper-scissors (P = 0.9 around the cycle) to small error', async () => {
    const model = createGeneralPreferenceModel({
      featurizer: oneHot(3),
      inputSize: 3,
      blocks: 2,
      hiddenSizes: [16],
      seed: 1,
    });
    const { losses } = await trainGeneralPreferenceModel(model, {
      pairs: cyclePairs(0.9),
      epochs: 300,
      batchSize: 6,
      learningRate: 0.03,
      seed: 1,
    });
    const m = await model.doCompare({ prompt, responses: [0, 1, 2].map(item) });
    const cycle = [m[0]?.[1], m[1]?.[2], m[2]?.[0]] as number[];
    for (const p of cycle) expect(Math.abs(p - 0.9)).toBeLessThan(0.02);
    // the loss approaches the entropy H(0.9), far below the Bradley-Terry bound ln 2
    const entropy = -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1));
    expect(losses[losses.length - 1]).toBeLessThan(entropy + 0.01);
    expect(losses[losses.length - 1]).toBeLessThan(Math.LN2 - 0.3);
    expect(isConstantSum(m, 1e-12)).toBe(true);
    model.dispose();
  });

  it('logits equal vᵀ blockdiag(λ_i J) v′ / τ computed in float64, and are antisymmetric', () => {
    const model = createGeneralPreferenceModel({
      featurizer: oneHot(4),
      inputSize: 4,
      blocks: 3,
      temperature: 0.5,
      seed: 2,
    });
    const a = tf.tensor2d([
      [1, 0, 0, 0],
      [0, 0.5, 0.5, 0],
    ]);
    const b = tf.tensor2d([
      [0, 1, 0, 0],
      [0, 0, 0, 1],
    ]);
    const va = model.embed(a);
    const vb = model.embed(b);
    const lambda = model.eigenvalues();
    const ab = model.logits(a, b);
    const ba = model.logits(b, a);
    const A = va.arraySync();
    const B = vb.arraySync();
    const L = Array.from(lambda.dataSync());
    for (const row of A) assertClose(Math.hypot(...row), 1, { atol: 1e-6 });
    expect(L.every((x) => x >= 0)).toBe(true);
    const expected = A.map((u, r) => {
      const w = B[r] as number[];
      // R = blockdiag(λ_i [[0, −1], [1, 0]]): (R w)_{2i} = −λ_i w_{2i+1}, (R w)_{2i+1} = λ_i w_{2i}
      let s = 0;
      for (let i = 0; i < 3; i++) {
        s += (u[2 * i] as number) * -(L[i] as number) * (w[2 * i + 1] as number);
        s += (u[2 * i + 1] as number) * (L[i] as number) * (w[2 * i] as number);
      }
      return s / 0.5;
    });
    assertClose(ab, expected, { atol: 1e-5 });
    assertClose(
      ba,
      expected.map((x) => -x),
      { atol: 1e-5 },
    );
    for (const t of [a, b, va, vb, lambda, ab, ba]) t.dispose();
    model.dispose();
  });

  it('leaks no tensors (embed, eigenvalues, logits, training, doCompare) and dispose frees everything', async () => {
    const before = tf.memory().numTensors;
    const model = createGeneralPreferenceModel({ featurizer: oneHot(3), inputSize: 3, blocks: 2, seed: 1 });
    const x = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    await assertNoLeaks(() => model.embed(x), 'embed');
    await assertNoLeaks(() => model.eigenvalues(), 'eigenvalues');
    await assertNoLeaks(() => model.logits(x, x), 'logits');
    await assertNoLeaks(
      () => trainGeneralPreferenceModel(model, { pairs: cyclePairs(), epochs: 2, batchSize: 4 }),
      'trainGeneralPreferenceModel',
    );
    await assertNoLeaks(() => model.doCompare({ prompt, responses: [item(0), item(1), item(2)] }), 'doCompare');
    x.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates options', () => {
    expect(() => createGeneralPreferenceModel({ featurizer: oneHot(3), inputSize: 3, blocks: 0 })).toThrowError(
      /createGeneralPreferenceModel options.*"blocks"/,
    );
    expect(() => createGeneralPreferenceModel({ featurizer: oneHot(3), inputSize: 3, temperature: -1 })).toThrowError(
      /"temperature"/,
    );
  });
});
