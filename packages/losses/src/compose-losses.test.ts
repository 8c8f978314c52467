import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeBatch, evaluate, pairBatch, samplePairs } from './__fixtures__/batches.js';
import { addLossTerms } from './compose-losses.js';
import { dpoLoss } from './dpo-loss.js';
import { repulsionLoss } from './repulsion-loss.js';
import { sSppoLoss } from './s-sppo-loss.js';
import { sppoLoss } from './sppo-loss.js';

beforeAll(async () => {
  await useTestBackend();
});

function batch() {
  return {
    ...pairBatch(samplePairs, { chosenWinRate: [0.7, 0.625, 0.55, 0.9], rejectedWinRate: [0.3, 0.45, 0.4, 0.2] }),
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

describe('addLossTerms', () => {
  it('SPPO plus λ·repulsion equals the dedicated S-SPPO loss, metric for metric', () => {
    const b = batch();
    const composed = addLossTerms(
      sppoLoss({ eta: 3 }),
      [{ loss: repulsionLoss({ margin: 1.25 }), weight: 0.7 }],
      's-sppo',
    );
    const reference = sSppoLoss({ sppo: { eta: 3 }, repulsion: { margin: 1.25 }, lambda: 0.7 });
    expect([...composed.requires].sort()).toEqual([...reference.requires].sort());
    const a = evaluate(composed, b);
    const r = evaluate(reference, b);
    assertClose(a.value, r.value, { atol: 1e-6 });
    expect(Object.keys(a.metrics).sort()).toEqual(Object.keys(r.metrics).sort());
    for (const [name, value] of Object.entries(r.metrics))
      assertClose(a.metrics[name] as number, value, { atol: 1e-6 });
    assertClose(a.metrics['loss/total'] as number, a.value, { atol: 1e-7 });
    disposeBatch(b);
  });

  it('weights every term, names each part, and leaks nothing', async () => {
    const b = batch();
    const dpo = dpoLoss({ beta: 0.1 });
    const sppo = sppoLoss({ eta: 2 });
    const composed = addLossTerms(dpo, [{ loss: sppo, weight: 0.25 }]);
    const parts = [evaluate(dpo, b).value, evaluate(sppo, b).value];
    const result = evaluate(composed, b);
    assertClose(result.value, (parts[0] as number) + 0.25 * (parts[1] as number), { atol: 1e-6 });
    assertClose(result.metrics['loss/dpo'] as number, parts[0] as number, { atol: 1e-6 });
    assertClose(result.metrics['loss/sppo'] as number, parts[1] as number, { atol: 1e-6 });
    await assertNoLeaks(() => {
      const out = composed.doCompute(b);
      tf.dispose([out.loss, ...Object.values(out.metrics)]);
    });
    expect(() => addLossTerms(dpo, [{ loss: sppo, weight: Number.NaN }])).toThrow(
      /weight of loss term 0 \(sppo\) is NaN/,
    );
    disposeBatch(b);
  });
});
