import { PrefplayError } from '@prefplay/core';
import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkFieldGradients, disposeBatch, evaluate, mean } from './__fixtures__/batches.js';
import { repulsionLoss } from './repulsion-loss.js';

beforeAll(async () => {
  await useTestBackend();
});

// Three pairs of 3-D latents: distances 0.5, 2.5 (3-4-5 scaled) and √(0.25+0.25+1) ≈ 1.2247.
const chosen = [
  [0.5, 0, 0],
  [1.5, 2, 0],
  [0.5, -0.5, 1],
];
const rejected = [
  [0, 0, 0],
  [0, 0, 0],
  [0, 0, 0],
];
const distances = chosen.map((row, i) =>
  Math.sqrt(row.reduce((s, v, j) => s + (v - (rejected[i]?.[j] as number)) ** 2, 0)),
);
const hiddenBatch = (c = chosen, r = rejected) => ({ chosenHidden: tf.tensor2d(c), rejectedHidden: tf.tensor2d(r) });

describe('repulsionLoss', () => {
  it('matches max(0, m − d)², max(0, m − d) and −d computed in float64', () => {
    const margin = 1.5;
    const batch = hiddenBatch();
    const squared = evaluate(repulsionLoss({ margin }), batch);
    assertClose(squared.value, mean(distances.map((d) => Math.max(0, margin - d) ** 2)), { atol: 1e-6 });
    assertClose(squared.metrics['latent/distance'] as number, mean(distances), { atol: 1e-6 });
    assertClose(squared.metrics['loss/repulsion'] as number, squared.value, { atol: 0 });
    assertClose(
      evaluate(repulsionLoss({ margin, form: 'hinge' }), batch).value,
      mean(distances.map((d) => Math.max(0, margin - d))),
      { atol: 1e-6 },
    );
    assertClose(evaluate(repulsionLoss({ form: 'negative-distance' }), batch).value, -mean(distances), {
      atol: 1e-6,
    });
    disposeBatch(batch);
  });

  it('has gradients w.r.t. both hidden states that match finite differences', () => {
    const batch = hiddenBatch();
    for (const form of ['squared-hinge', 'hinge', 'negative-distance'] as const) {
      checkFieldGradients(repulsionLoss({ margin: 1.5, form }), batch, ['chosenHidden', 'rejectedHidden']);
    }
    disposeBatch(batch);
  });

  it('has a finite (zero) gradient when chosen and rejected coincide', () => {
    const same = hiddenBatch(rejected, rejected);
    const grad = tf.grad(
      (x: tf.Tensor) => repulsionLoss({ margin: 1 }).doCompute({ ...same, chosenHidden: x as tf.Tensor2D }).loss,
    )(same.chosenHidden);
    const values = Array.from(grad.dataSync());
    expect(values.every(Number.isFinite)).toBe(true);
    assertClose(values, new Array(values.length).fill(0));
    assertClose(evaluate(repulsionLoss({ margin: 1 }), same).value, 1, { atol: 1e-5 });
    grad.dispose();
    disposeBatch(same);
  });

  it('leaks no tensors', async () => {
    const batch = hiddenBatch();
    for (const form of ['squared-hinge', 'hinge', 'negative-distance'] as const) {
      await assertNoLeaks(() => repulsionLoss({ form }).doCompute(batch), `repulsion ${form}`);
    }
    disposeBatch(batch);
  });

  it('checks its fields and options', () => {
    const loss = repulsionLoss();
    expect(loss.requires).toEqual(['chosenHidden', 'rejectedHidden']);
    const batch = hiddenBatch(chosen, [
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(() => loss.doCompute(batch)).toThrow(/repulsion loss: batch field "rejectedHidden" has shape \[3, 2\]/);
    expect(() => loss.doCompute({ chosenHidden: batch.chosenHidden })).toThrow(
      /repulsion loss: batch field "rejectedHidden" is missing/,
    );
    disposeBatch(batch);
    try {
      repulsionLoss({ margin: -1 });
      expect.unreachable();
    } catch (error) {
      expect(PrefplayError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/repulsion loss options.*"margin".*≥ 0/);
    }
  });
});
