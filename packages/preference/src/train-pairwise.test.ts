import { assertClose, assertNoLeaks, checkGradient, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { featurizePairs, pairwiseLogisticLoss } from './train-pairwise.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('pairwiseLogisticLoss', () => {
  it('equals −[p log σ(z) + (1−p) log σ(−z)] computed in float64', () => {
    const z = [-3, -0.5, 0, 1.2, 8];
    const p = [1, 0.9, 0.5, 0, 0.3];
    const loss = tf.tidy(() => pairwiseLogisticLoss(tf.tensor1d(z), tf.tensor1d(p)).dataSync()[0] as number);
    const logSigmoid = (x: number) => -Math.log1p(Math.exp(-x));
    const expected =
      -z.reduce((acc, zi, i) => acc + (p[i] as number) * logSigmoid(zi) + (1 - (p[i] as number)) * logSigmoid(-zi), 0) /
      z.length;
    assertClose(loss, expected, { atol: 1e-6, rtol: 1e-6 });
  });

  it('has the finite-difference gradient p − σ(z) (per element, over n)', () => {
    const targets = tf.tensor1d([1, 0.2, 0.7]);
    const x = tf.tensor1d([0.3, -1.1, 2.0]);
    checkGradient((z) => pairwiseLogisticLoss(z as tf.Tensor1D, targets), x);
    targets.dispose();
    x.dispose();
  });

  it('does not leak', async () => {
    const z = tf.tensor1d([0.1, 0.2]);
    const p = tf.tensor1d([1, 0]);
    await assertNoLeaks(() => pairwiseLogisticLoss(z, p), 'pairwiseLogisticLoss');
    z.dispose();
    p.dispose();
  });
});

describe('featurizePairs', () => {
  const prompt = { id: 'p', tokens: [0] };
  it('names the pair and side of a bad feature vector or probability', () => {
    const featurizer = (_: unknown, r: { tokens: readonly number[] }) => (r.tokens[0] === 9 ? [1] : [1, 2]);
    expect(() =>
      featurizePairs([{ prompt, chosen: { tokens: [1] }, rejected: { tokens: [9] } }], featurizer, 2, 'train'),
    ).toThrowError(/pairs\[0\]\.rejected.*expects 2/);
    expect(() =>
      featurizePairs(
        [{ prompt, chosen: { tokens: [1] }, rejected: { tokens: [1] }, probability: 1.5 }],
        featurizer,
        2,
        'train',
      ),
    ).toThrowError(/probability 1\.5/);
  });
});
