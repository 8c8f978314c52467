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
  softplus,
} from './__fixtures__/batches.js';
import { dpoLoss } from './dpo-loss.js';
import { robustDpoLoss } from './robust-dpo-loss.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('robustDpoLoss', () => {
  it('matches [−(1−ε) log σ(βΔ) + ε log σ(−βΔ)] / (1−2ε) in float64', () => {
    const beta = 0.4;
    const epsilon = 0.2;
    const batch = pairBatch(samplePairs);
    const expected = mean(
      margins(samplePairs).map(
        (d) => ((1 - epsilon) * softplus(-beta * d) - epsilon * softplus(beta * d)) / (1 - 2 * epsilon),
      ),
    );
    assertClose(evaluate(robustDpoLoss({ beta, epsilon }), batch).value, expected, { atol: 1e-6 });
    disposeBatch(batch);
  });

  it('equals DPO at ε = 0', () => {
    const batch = pairBatch(samplePairs);
    assertClose(
      evaluate(robustDpoLoss({ beta: 0.3, epsilon: 0 }), batch).value,
      evaluate(dpoLoss({ beta: 0.3 }), batch).value,
      { atol: 1e-7 },
    );
    disposeBatch(batch);
  });

  it('is unbiased: its expectation under label flips with rate ε is the clean DPO loss', () => {
    // E[(1−ε)·ℓ_rdpo(Δ) + ε·ℓ_rdpo(−Δ)] = −log σ(βΔ)
    const epsilon = 0.3;
    const flipped = {
      policyChosen: samplePairs.policyRejected,
      policyRejected: samplePairs.policyChosen,
      referenceChosen: samplePairs.referenceRejected,
      referenceRejected: samplePairs.referenceChosen,
    };
    const batch = pairBatch(samplePairs);
    const flippedBatch = pairBatch(flipped);
    const loss = robustDpoLoss({ beta: 0.5, epsilon });
    const expectation = (1 - epsilon) * evaluate(loss, batch).value + epsilon * evaluate(loss, flippedBatch).value;
    assertClose(expectation, evaluate(dpoLoss({ beta: 0.5 }), batch).value, { atol: 1e-5 });
    disposeBatch(batch);
    disposeBatch(flippedBatch);
  });

  it('has gradients that match finite differences and leaks nothing', async () => {
    const batch = pairBatch(samplePairs);
    const loss = robustDpoLoss({ beta: 0.5, epsilon: 0.25 });
    checkFieldGradients(loss, batch, ['policyChosenLogps', 'policyRejectedLogps']);
    await assertNoLeaks(() => loss.doCompute(batch), 'rdpo doCompute');
    disposeBatch(batch);
  });

  it('rejects ε outside [0, 0.5)', () => {
    expect(() => robustDpoLoss({ epsilon: 0.5 })).toThrow(/rdpo .*"epsilon".*\[0, 0\.5\)/);
  });
});
