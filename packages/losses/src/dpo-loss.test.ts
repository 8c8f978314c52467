import { PrefplayError } from '@prefplay/core';
import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkFieldGradients,
  disposeBatch,
  evaluate,
  margins,
  mean,
  pairBatch,
  samplePairs,
  softplus,
  trlMetrics,
} from './__fixtures__/batches.js';
import { dpoLoss } from './dpo-loss.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('dpoLoss', () => {
  it('matches −log σ(βΔ) computed in float64, with TRL metrics', () => {
    const beta = 0.5;
    const batch = pairBatch(samplePairs);
    const { value, metrics } = evaluate(dpoLoss({ beta }), batch);
    const expected = mean(margins(samplePairs).map((d) => softplus(-beta * d)));
    assertClose(value, expected, { atol: 1e-6 });
    const trl = trlMetrics(samplePairs, beta);
    for (const [name, v] of Object.entries(trl)) assertClose(metrics[name] as number, v, { label: name, atol: 1e-5 });
    assertClose(metrics['loss/total'] as number, expected, { atol: 1e-6 });
    assertClose(metrics['loss/dpo'] as number, expected, { atol: 1e-6 });
    disposeBatch(batch);
  });

  it('uses β = 0.1 by default', () => {
    const batch = pairBatch(samplePairs);
    const expected = mean(margins(samplePairs).map((d) => softplus(-0.1 * d)));
    assertClose(evaluate(dpoLoss(), batch).value, expected, { atol: 1e-6 });
    disposeBatch(batch);
  });

  it('depends only on the margin: shifting both log-ratios leaves it unchanged', () => {
    const shift = (values: number[]) => values.map((v) => v + 3.5);
    const base = pairBatch(samplePairs);
    const shifted = pairBatch({
      ...samplePairs,
      policyChosen: shift(samplePairs.policyChosen),
      policyRejected: shift(samplePairs.policyRejected),
    });
    const loss = dpoLoss({ beta: 0.7 });
    assertClose(evaluate(loss, shifted).value, evaluate(loss, base).value, { atol: 1e-6 });
    disposeBatch(base);
    disposeBatch(shifted);
  });

  it('has gradients w.r.t. policy log-probs that match finite differences', () => {
    const batch = pairBatch(samplePairs);
    checkFieldGradients(dpoLoss({ beta: 0.5 }), batch, ['policyChosenLogps', 'policyRejectedLogps']);
    disposeBatch(batch);
  });

  it('leaks no tensors', async () => {
    const batch = pairBatch(samplePairs);
    await assertNoLeaks(() => dpoLoss().doCompute(batch), 'dpo doCompute');
    disposeBatch(batch);
  });

  it('lists the fields it reads and names the loss and a missing field', () => {
    const loss = dpoLoss();
    expect(loss.requires).toEqual([
      'policyChosenLogps',
      'policyRejectedLogps',
      'referenceChosenLogps',
      'referenceRejectedLogps',
    ]);
    const batch = pairBatch(samplePairs);
    const { referenceRejectedLogps: _dropped, ...partial } = batch;
    expect(() => loss.doCompute(partial)).toThrow(/dpo loss: batch field "referenceRejectedLogps" is missing/);
    disposeBatch(batch);
  });

  it('rejects pairwise fields of different lengths', () => {
    const batch = pairBatch({ ...samplePairs, policyRejected: [-1, -2, -3] });
    expect(() => dpoLoss().doCompute(batch)).toThrow(/dpo loss: batch field "policyRejectedLogps" has shape \[3\]/);
    disposeBatch(batch);
  });

  it('rejects a field of the wrong rank', () => {
    const batch = pairBatch(samplePairs);
    const wide = tf.zeros([4, 2]);
    expect(() => dpoLoss().doCompute({ ...batch, policyChosenLogps: wide as tf.Tensor1D })).toThrow(
      /dpo loss: batch field "policyChosenLogps" must have rank 1, got shape \[4, 2\]/,
    );
    wide.dispose();
    disposeBatch(batch);
  });

  it('rejects β ≤ 0 with the loss, field and range in the message', () => {
    try {
      dpoLoss({ beta: 0 });
      expect.unreachable();
    } catch (error) {
      expect(PrefplayError.hasCode(error, 'invalid-options')).toBe(true);
      expect((error as Error).message).toMatch(/dpo loss options.*"beta".*> 0/);
    }
  });
});
