import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkFieldGradients,
  disposeBatch,
  evaluate,
  margins,
  mean,
  pairBatch,
  samplePairs,
} from './__fixtures__/batches.js';
import { hingeLoss } from './hinge-loss.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('hingeLoss', () => {
  it('matches max(0, 1 − βΔ), with pairs past the margin contributing zero', () => {
    const beta = 0.8;
    const ds = margins(samplePairs);
    // this sample has pairs on both sides of the hinge
    expect(ds.some((d) => beta * d > 1)).toBe(true);
    expect(ds.some((d) => beta * d < 1)).toBe(true);
    const batch = pairBatch(samplePairs);
    assertClose(evaluate(hingeLoss({ beta }), batch).value, mean(ds.map((d) => Math.max(0, 1 - beta * d))), {
      atol: 1e-6,
    });
    disposeBatch(batch);
  });

  it('has gradients that match finite differences and leaks nothing', async () => {
    const batch = pairBatch(samplePairs);
    const loss = hingeLoss({ beta: 0.8 });
    checkFieldGradients(loss, batch, ['policyChosenLogps', 'policyRejectedLogps']);
    await assertNoLeaks(() => loss.doCompute(batch), 'hinge doCompute');
    disposeBatch(batch);
  });

  it('rejects an unknown option with its name', () => {
    expect(() => hingeLoss({ bta: 1 } as never)).toThrow(/hinge loss options/);
  });
});
