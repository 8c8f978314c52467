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
  trlMetrics,
} from './__fixtures__/batches.js';
import { conservativeDpoLoss } from './conservative-dpo-loss.js';
import { dpoLoss } from './dpo-loss.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('conservativeDpoLoss', () => {
  it('matches −(1−ε) log σ(βΔ) − ε log σ(−βΔ) in float64', () => {
    const beta = 0.4;
    const epsilon = 0.2;
    const batch = pairBatch(samplePairs);
    const { value, metrics } = evaluate(conservativeDpoLoss({ beta, epsilon }), batch);
    const expected = mean(
      margins(samplePairs).map((d) => (1 - epsilon) * softplus(-beta * d) + epsilon * softplus(beta * d)),
    );
    assertClose(value, expected, { atol: 1e-6 });
    assertClose(metrics['rewards/margins'] as number, trlMetrics(samplePairs, beta)['rewards/margins'] as number);
    disposeBatch(batch);
  });

  it('equals DPO at ε = 0', () => {
    const batch = pairBatch(samplePairs);
    assertClose(
      evaluate(conservativeDpoLoss({ beta: 0.3, epsilon: 0 }), batch).value,
      evaluate(dpoLoss({ beta: 0.3 }), batch).value,
      { atol: 1e-7 },
    );
    disposeBatch(batch);
  });

  it('has gradients that match finite differences and leaks nothing', async () => {
    const batch = pairBatch(samplePairs);
    const loss = conservativeDpoLoss({ beta: 0.5, epsilon: 0.25 });
    checkFieldGradients(loss, batch, ['policyChosenLogps', 'policyRejectedLogps']);
    await assertNoLeaks(() => loss.doCompute(batch), 'cdpo doCompute');
    disposeBatch(batch);
  });

  it('rejects ε outside [0, 0.5)', () => {
    expect(() => conservativeDpoLoss({ epsilon: 0.5 })).toThrow(/cdpo .*"epsilon".*\[0, 0\.5\)/);
    expect(() => conservativeDpoLoss({ epsilon: -0.1 })).toThrow(/cdpo .*"epsilon".*\[0, 0\.5\)/);
  });
});
