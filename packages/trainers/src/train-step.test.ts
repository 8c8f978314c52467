import type { LossV1 } from '@prefplay/core';
import { dpoLoss } from '@prefplay/losses';
import { assertClose, assertNoLeaks, mockPolicy, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PairwiseRow } from './loss-batch.js';
import { trainStep } from './train-step.js';

beforeAll(async () => {
  await useTestBackend();
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('trainStep', () => {
  it('takes the SGD step of DPO given by its closed-form gradient on a unigram policy', () => {
    // Unigram policy: log π(y) = Σ_t (l_{y_t} − lse(l)). For chosen [0], rejected [1]:
    // Δ = (l0 − l1) − (r_c − r_r), ∂L/∂l0 = −β σ(−βΔ) = −∂L/∂l1, other logits untouched.
    const policy = mockPolicy({ vocabSize: 4, seed: 3 });
    const l = Array.from(policy.logits.dataSync());
    const beta = 0.5;
    const lr = 0.1;
    const row: PairwiseRow = {
      prompt: [0],
      chosen: [0],
      rejected: [1],
      referenceChosenLogp: -1.2,
      referenceRejectedLogp: -1.5,
    };
    const delta = (l[0] as number) - (l[1] as number) - (-1.2 - -1.5);
    const optimizer = tf.train.sgd(lr);
    const result = trainStep({ policy, optimizer, loss: dpoLoss({ beta }), rows: [row] });
    expect(result.status).toBe('ok');
    if (result.status === 'ok') expect(result.loss).toBeCloseTo(-Math.log(sigmoid(beta * delta)), 5);
    const g = beta * sigmoid(-beta * delta);
    assertClose(policy.logits, [(l[0] as number) + lr * g, (l[1] as number) - lr * g, l[2] as number, l[3] as number], {
      atol: 1e-6,
    });
    optimizer.dispose();
    policy.dispose();
  });

  it('restores the weights after a NaN loss and leaves no tensors behind', async () => {
    const policy = mockPolicy({ vocabSize: 3, seed: 1 });
    const nanLoss: LossV1 = {
      specificationVersion: 'v1',
      lossId: 'nan',
      requires: ['policyChosenLogps'],
      doCompute: (batch) => ({
        loss: tf.mul(tf.sum(batch.policyChosenLogps as tf.Tensor1D), Number.NaN) as tf.Scalar,
        metrics: {},
      }),
    };
    const optimizer = tf.train.adam(0.1);
    const row: PairwiseRow = {
      prompt: [0],
      chosen: [0],
      rejected: [1],
      referenceChosenLogp: 0,
      referenceRejectedLogp: 0,
    };
    trainStep({ policy, optimizer, loss: dpoLoss({ beta: 1 }), rows: [row] }); // creates Adam's slots
    const before = Array.from(policy.logits.dataSync());
    await assertNoLeaks(() => {
      const r = trainStep({ policy, optimizer, loss: nanLoss, rows: [row] });
      expect(r.status).toBe('non-finite-loss');
    }, 'trainStep with NaN loss');
    assertClose(policy.logits, before);
    optimizer.dispose();
    policy.dispose();
  });

  it('restores the weights when an update makes them non-finite', async () => {
    const policy = mockPolicy({ vocabSize: 3, seed: 1 });
    const before = Array.from(policy.logits.dataSync());
    // a finite loss whose gradient, finite too, is so large that the update overflows float32
    const gradOf = (scale: number) =>
      tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const x = args[0] as tf.Tensor;
        return {
          value: tf.sum(x),
          gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.mul(tf.onesLike(x), tf.mul(dy as tf.Tensor, scale)),
        };
      });
    const lossWith = (scale: number): LossV1 => ({
      specificationVersion: 'v1',
      lossId: 'huge-grad',
      requires: ['policyChosenLogps'],
      doCompute: (batch) => ({ loss: gradOf(scale)(batch.policyChosenLogps as tf.Tensor) as tf.Scalar, metrics: {} }),
    });
    const loss = lossWith(1e18);
    const optimizer = tf.train.sgd(1e21);
    const row: PairwiseRow = {
      prompt: [0],
      chosen: [0],
      rejected: [1],
      referenceChosenLogp: 0,
      referenceRejectedLogp: 0,
    };
    await assertNoLeaks(() => {
      const r = trainStep({ policy, optimizer, loss, rows: [row] });
      expect(r.status).toBe('non-finite-weights');
    }, 'trainStep with an overflowing update');
    assertClose(policy.logits, before);
    // an infinite gradient applies nothing at all
    await assertNoLeaks(() => {
      const r = trainStep({ policy, optimizer, loss: lossWith(Number.POSITIVE_INFINITY), rows: [row] });
      expect(r.status).toBe('non-finite-loss');
    }, 'trainStep with an infinite gradient');
    assertClose(policy.logits, before);
    optimizer.dispose();
    policy.dispose();
  });

  it('leaves no tensors behind on a normal step', async () => {
    const policy = mockPolicy({ vocabSize: 3, seed: 1 });
    const optimizer = tf.train.adam(0.01);
    const row: PairwiseRow = {
      prompt: [0],
      chosen: [0, 2],
      rejected: [1],
      referenceChosenLogp: -2,
      referenceRejectedLogp: -1,
    };
    trainStep({ policy, optimizer, loss: dpoLoss({ beta: 0.1 }), rows: [row] }); // creates the optimiser's slots
    await assertNoLeaks(
      () => trainStep({ policy, optimizer, loss: dpoLoss({ beta: 0.1 }), rows: [row, row] }),
      'trainStep',
    );
    optimizer.dispose();
    policy.dispose();
  });

  it('reports the global gradient norm and clips it to maxGradNorm', () => {
    const policy = mockPolicy({ vocabSize: 4, seed: 3 });
    const l = Array.from(policy.logits.dataSync());
    const row: PairwiseRow = {
      prompt: [0],
      chosen: [0],
      rejected: [1],
      referenceChosenLogp: -1.2,
      referenceRejectedLogp: -1.5,
    };
    // closed form for the mock policy: d loss / d logits is ±g on the chosen and rejected logits
    const beta = 0.5;
    const delta = (l[0] as number) - (l[1] as number) - (-1.2 - -1.5);
    const g = beta * sigmoid(-beta * delta);
    const optimizer = tf.train.sgd(1);
    const result = trainStep({ policy, optimizer, loss: dpoLoss({ beta }), rows: [row], maxGradNorm: g / 2 });
    expect(result.status).toBe('ok');
    if (result.status === 'ok') expect(result.gradNorm).toBeCloseTo(Math.SQRT2 * g, 5);
    // clipped to norm g/2: each of the two entries moves by (g/2)/√2
    const moved = g / 2 / Math.SQRT2;
    assertClose(policy.logits, [(l[0] as number) + moved, (l[1] as number) - moved, l[2] as number, l[3] as number], {
      atol: 1e-6,
    });
    optimizer.dispose();
    policy.dispose();
  });
});
