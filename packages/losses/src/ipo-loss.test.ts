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
  trlMetrics,
} from './__fixtures__/batches.js';
import { ipoLoss } from './ipo-loss.js';

beforeAll(async () => {
  await useTestBackend();
});

const chosenLengths = [5, 12, 3, 8];
const rejectedLengths = [7, 10, 4, 6];

describe('ipoLoss', () => {
  it('matches (Δ − 1/(2β))² on summed log-ratios', () => {
    const beta = 0.5;
    const batch = pairBatch(samplePairs);
    const { value, metrics } = evaluate(ipoLoss({ beta }), batch);
    assertClose(value, mean(margins(samplePairs).map((d) => (d - 1 / (2 * beta)) ** 2)), { atol: 1e-5 });
    assertClose(metrics['rewards/chosen'] as number, trlMetrics(samplePairs, beta)['rewards/chosen'] as number);
    disposeBatch(batch);
  });

  it('uses per-token mean log-ratios when perToken is set', () => {
    const beta = 0.5;
    const loss = ipoLoss({ beta, perToken: true });
    expect(loss.requires).toContain('chosenLengths');
    expect(loss.requires).toContain('rejectedLengths');
    const batch = pairBatch(samplePairs, { chosenLengths, rejectedLengths });
    const expected = mean(
      samplePairs.policyChosen.map((pc, i) => {
        const hw = (pc - (samplePairs.referenceChosen[i] as number)) / (chosenLengths[i] as number);
        const hl =
          ((samplePairs.policyRejected[i] as number) - (samplePairs.referenceRejected[i] as number)) /
          (rejectedLengths[i] as number);
        return (hw - hl - 1 / (2 * beta)) ** 2;
      }),
    );
    assertClose(evaluate(loss, batch).value, expected, { atol: 1e-5 });
    checkFieldGradients(loss, batch, ['policyChosenLogps', 'policyRejectedLogps']);
    disposeBatch(batch);
  });

  it('names the missing length field when perToken is set', () => {
    const batch = pairBatch(samplePairs, { chosenLengths });
    expect(() => ipoLoss({ perToken: true }).doCompute(batch)).toThrow(/ipo loss: batch field "rejectedLengths"/);
    disposeBatch(batch);
  });

  it('has gradients that match finite differences and leaks nothing', async () => {
    const batch = pairBatch(samplePairs, { chosenLengths, rejectedLengths });
    const loss = ipoLoss({ beta: 0.5 });
    checkFieldGradients(loss, batch, ['policyChosenLogps', 'policyRejectedLogps']);
    await assertNoLeaks(() => loss.doCompute(batch), 'ipo doCompute');
    await assertNoLeaks(() => ipoLoss({ perToken: true }).doCompute(batch), 'ipo per-token doCompute');
    disposeBatch(batch);
  });
});
