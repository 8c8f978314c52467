import { assertClose, assertNoLeaks, checkGradient, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lossRegistry } from './loss-registry.js';
import { simpoLoss } from './simpo-loss.js';

beforeAll(async () => {
  await useTestBackend();
});

const values = {
  policyChosen: [-12, -30, -8.5],
  policyRejected: [-14, -27, -12],
  chosenLengths: [4, 10, 5],
  rejectedLengths: [7, 6, 4],
};
const batch = () => ({
  policyChosenLogps: tf.tensor1d(values.policyChosen),
  policyRejectedLogps: tf.tensor1d(values.policyRejected),
  chosenLengths: tf.tensor1d(values.chosenLengths),
  rejectedLengths: tf.tensor1d(values.rejectedLengths),
});

/** SimPO in plain float64: mean of log(1 + exp(−(β(a_w − a_l) − γ))). */
function reference(beta: number, gamma: number): number {
  const terms = values.policyChosen.map((pc, i) => {
    const margin =
      pc / (values.chosenLengths[i] as number) -
      (values.policyRejected[i] as number) / (values.rejectedLengths[i] as number);
    return Math.log1p(Math.exp(-(beta * margin - gamma)));
  });
  return terms.reduce((s, v) => s + v, 0) / terms.length;
}

describe('simpoLoss', () => {
  it('computes −log σ(β(avg logp_w − avg logp_l) − γ) through the registry', () => {
    const b = batch();
    const loss = lossRegistry.create('simpo', { beta: 2.5, gamma: 0.5 });
    const result = loss.doCompute(b);
    assertClose(result.loss, reference(2.5, 0.5), { atol: 1e-6 });
    tf.dispose([result.loss, ...Object.values(result.metrics)]);
    // the built-in losses are still there, with their own typed options
    expect(lossRegistry.create('dpo', { beta: 0.1 }).lossId).toBe('dpo');
    tf.dispose(Object.values(b));
  });

  it('has a gradient that matches finite differences and leaks nothing', async () => {
    const b = batch();
    const loss = simpoLoss();
    checkGradient((x) => loss.doCompute({ ...b, policyChosenLogps: x as tf.Tensor1D }).loss, b.policyChosenLogps);
    await assertNoLeaks(() => loss.doCompute(b), 'simpo doCompute');
    tf.dispose(Object.values(b));
  });

  it('is type-checked in the registry and validates its options', () => {
    // @ts-expect-error: simpo has no epsilon option
    expect(() => lossRegistry.create('simpo', { epsilon: 0.1 })).toThrow(/simpo loss options/);
    expect(() => simpoLoss({ beta: -1 })).toThrow(/simpo loss options.*"beta".*> 0/);
  });
});
