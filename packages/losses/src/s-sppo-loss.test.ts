import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkFieldGradients, disposeBatch, evaluate, pairBatch, samplePairs } from './__fixtures__/batches.js';
import { repulsionLoss } from './repulsion-loss.js';
import { sSppoLoss } from './s-sppo-loss.js';
import { sppoLoss } from './sppo-loss.js';

beforeAll(async () => {
  await useTestBackend();
});

const winRates = { chosenWinRate: [0.7, 0.625, 0.55, 0.9], rejectedWinRate: [0.3, 0.45, 0.4, 0.2] };
function fullBatch() {
  return {
    ...pairBatch(samplePairs, winRates),
    chosenHidden: tf.tensor2d([
      [0.5, 0],
      [1, 1],
      [0.25, -0.25],
      [2, 0.5],
    ]),
    rejectedHidden: tf.tensor2d([
      [0, 0.25],
      [0.5, 0.75],
      [0, 0],
      [-1, 0],
    ]),
  };
}

describe('sSppoLoss', () => {
  it('equals L_SPPO + λ·L_rep of the two separate losses', () => {
    const batch = fullBatch();
    const lambda = 0.7;
    const options = { sppo: { eta: 3 }, repulsion: { margin: 1.25 }, lambda };
    const loss = sSppoLoss(options);
    expect(loss.lossId).toBe('s-sppo');
    expect([...loss.requires].sort()).toEqual(
      [...sppoLoss(options.sppo).requires, ...repulsionLoss(options.repulsion).requires].sort(),
    );
    const sppo = evaluate(sppoLoss(options.sppo), batch);
    const repulsion = evaluate(repulsionLoss(options.repulsion), batch);
    const { value, metrics } = evaluate(loss, batch);
    assertClose(value, sppo.value + lambda * repulsion.value, { atol: 1e-5 });
    assertClose(metrics['loss/sppo'] as number, sppo.value, { atol: 1e-6 });
    assertClose(metrics['loss/repulsion'] as number, repulsion.value, { atol: 1e-6 });
    assertClose(metrics['latent/distance'] as number, repulsion.metrics['latent/distance'] as number);
    assertClose(metrics['loss/total'] as number, value, { atol: 0 });
    assertClose(metrics['rewards/margins'] as number, sppo.metrics['rewards/margins'] as number);
    disposeBatch(batch);
  });

  it('has gradients w.r.t. log-probs and hidden states that match finite differences', () => {
    const batch = fullBatch();
    checkFieldGradients(sSppoLoss({ sppo: { eta: 3 }, repulsion: { margin: 1.25 }, lambda: 0.7 }), batch, [
      'policyChosenLogps',
      'policyRejectedLogps',
      'chosenHidden',
      'rejectedHidden',
    ]);
    disposeBatch(batch);
  });

  it('leaks no tensors, also when a field is missing', async () => {
    const batch = fullBatch();
    const loss = sSppoLoss({ sppo: { eta: 3 } });
    await assertNoLeaks(() => loss.doCompute(batch), 's-sppo doCompute');
    const { rejectedHidden: _dropped, ...partial } = batch;
    const before = tf.memory().numTensors;
    expect(() => loss.doCompute(partial)).toThrow(/s-sppo loss: batch field "rejectedHidden" is missing/);
    expect(tf.memory().numTensors).toBe(before);
    disposeBatch(batch);
  });

  it('rejects latent pairs that do not match the log-prob pairs', () => {
    const batch = fullBatch();
    const short = tf.zeros([3, 2]) as tf.Tensor2D;
    expect(() => sSppoLoss().doCompute({ ...batch, chosenHidden: short, rejectedHidden: short })).toThrow(
      /s-sppo loss: batch field "chosenHidden" has shape \[3, 2\]/,
    );
    short.dispose();
    disposeBatch(batch);
  });

  it('reports nested option errors with their path', () => {
    expect(() => sSppoLoss({ sppo: { eta: -1 } })).toThrow(/sppo\.eta.*> 0/);
    expect(() => sSppoLoss({ lambda: -1 })).toThrow(/s-sppo loss options.*"lambda".*≥ 0/);
  });
});
