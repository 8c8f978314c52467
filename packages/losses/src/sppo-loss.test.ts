import { PrefplayError } from '@prefplay/core';
import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkFieldGradients,
  disposeBatch,
  evaluate,
  mean,
  type PairValues,
  pairBatch,
  samplePairs,
  trlMetrics,
} from './__fixtures__/batches.js';
import { sppoLoss } from './sppo-loss.js';

beforeAll(async () => {
  await useTestBackend();
});

const logRatios = (values: PairValues) => ({
  chosen: values.policyChosen.map((p, i) => p - (values.referenceChosen[i] as number)),
  rejected: values.policyRejected.map((p, i) => p - (values.referenceRejected[i] as number)),
});
const chosenWinRate = [0.7, 0.625, 0.55, 0.9];
const rejectedWinRate = [0.3, 0.45, 0.4, 0.2];
const pairPreference = [0.8, 0.6, 0.55, 0.95];

// Per-response batch: 2 prompts × K = 3, prompt-major.
const perResponse = {
  policy: [-10.5, -12, -9.25, -20, -18.5, -22],
  reference: [-11, -11.5, -9.75, -19.25, -19, -21.5],
  winRates: [0.7, 0.45, 0.35, 0.6, 0.55, 0.35],
};
function perResponseBatch(k: number | null = 3, values = perResponse) {
  return {
    policyLogps: tf.tensor1d(values.policy),
    referenceLogps: tf.tensor1d(values.reference),
    winRates: tf.tensor1d(values.winRates),
    ...(k !== null ? { responsesPerPrompt: k } : {}),
  };
}
const softMeanTargets = (winRates: number[], eta: number, groupSize: number) =>
  winRates.map((r, i) => {
    const start = Math.floor(i / groupSize) * groupSize;
    const group = winRates.slice(start, start + groupSize);
    return eta * r - Math.log(mean(group.map((q) => Math.exp(eta * q))));
  });

describe('sppoLoss', () => {
  it('two-sided: mean over pairs of the mean of (h_w − η(p̂_w − ½))² and (h_l − η(p̂_l − ½))²', () => {
    const eta = 4;
    const batch = pairBatch(samplePairs, { chosenWinRate, rejectedWinRate });
    const loss = sppoLoss({ eta });
    expect(loss.lossId).toBe('sppo');
    const { value, metrics } = evaluate(loss, batch);
    const { chosen, rejected } = logRatios(samplePairs);
    const expected = mean(
      chosen.map(
        (hw, i) =>
          ((hw - eta * ((chosenWinRate[i] as number) - 0.5)) ** 2 +
            ((rejected[i] as number) - eta * ((rejectedWinRate[i] as number) - 0.5)) ** 2) /
          2,
      ),
    );
    assertClose(value, expected, { atol: 1e-5 });
    // β defaults to 1/η in the reward metrics
    for (const [name, v] of Object.entries(trlMetrics(samplePairs, 1 / eta))) {
      assertClose(metrics[name] as number, v, { label: name, atol: 1e-5 });
    }
    assertClose(metrics['loss/sppo'] as number, expected, { atol: 1e-5 });
    checkFieldGradients(loss, batch, ['policyChosenLogps', 'policyRejectedLogps']);
    disposeBatch(batch);
  });

  it('single: targets ±η(M_wl − ½)', () => {
    const eta = 4;
    const batch = pairBatch(samplePairs, { pairPreference });
    const loss = sppoLoss({ eta, convention: 'single' });
    expect(loss.requires).toContain('pairPreference');
    const { chosen, rejected } = logRatios(samplePairs);
    const expected = mean(
      chosen.map((hw, i) => {
        const a = eta * ((pairPreference[i] as number) - 0.5);
        return ((hw - a) ** 2 + ((rejected[i] as number) + a) ** 2) / 2;
      }),
    );
    assertClose(evaluate(loss, batch).value, expected, { atol: 1e-5 });
    checkFieldGradients(loss, batch, ['policyChosenLogps', 'policyRejectedLogps']);
    disposeBatch(batch);
  });

  it('single equals two-sided when p̂_w, p̂_l = ½ ± (M_wl − ½)', () => {
    const batch = pairBatch(samplePairs, {
      pairPreference,
      chosenWinRate: pairPreference.map((m) => 0.5 + (m - 0.5)),
      rejectedWinRate: pairPreference.map((m) => 0.5 - (m - 0.5)),
    });
    assertClose(
      evaluate(sppoLoss({ eta: 6, convention: 'single' }), batch).value,
      evaluate(sppoLoss({ eta: 6, convention: 'two-sided' }), batch).value,
      { atol: 1e-5 },
    );
    disposeBatch(batch);
  });

  it('hard: sum of (h_w − 1/(2β))² and (h_l + 1/(2β))², β defaulting to 1/η', () => {
    const beta = 0.25;
    const batch = pairBatch(samplePairs);
    const loss = sppoLoss({ convention: 'hard', beta });
    expect(loss.requires).toEqual([
      'policyChosenLogps',
      'policyRejectedLogps',
      'referenceChosenLogps',
      'referenceRejectedLogps',
    ]);
    const { chosen, rejected } = logRatios(samplePairs);
    const t = 1 / (2 * beta);
    const expected = mean(chosen.map((hw, i) => (hw - t) ** 2 + ((rejected[i] as number) + t) ** 2));
    assertClose(evaluate(loss, batch).value, expected, { atol: 1e-5 });
    assertClose(evaluate(sppoLoss({ convention: 'hard', eta: 1 / beta }), batch).value, expected, { atol: 1e-5 });
    checkFieldGradients(loss, batch, ['policyChosenLogps', 'policyRejectedLogps']);
    disposeBatch(batch);
  });

  it('all: mean over responses of (h_i − η(p̂_i − ½))²', () => {
    const eta = 3;
    const batch = perResponseBatch();
    const loss = sppoLoss({ eta, convention: 'all' });
    expect(loss.requires).toEqual(['policyLogps', 'referenceLogps', 'winRates']);
    const expected = mean(
      perResponse.policy.map(
        (p, i) => (p - (perResponse.reference[i] as number) - eta * ((perResponse.winRates[i] as number) - 0.5)) ** 2,
      ),
    );
    const { value, metrics } = evaluate(loss, batch);
    assertClose(value, expected, { atol: 1e-5 });
    expect(Object.keys(metrics).sort()).toEqual(['loss/sppo', 'loss/total']);
    checkFieldGradients(loss, batch, ['policyLogps']);
    disposeBatch(batch);
  });

  it('all with K = 2 equals two-sided on the same pair', () => {
    // each prompt's two responses are its chosen and rejected
    const pairs = {
      policyChosen: [-10.5, -20],
      policyRejected: [-12, -18.5],
      referenceChosen: [-11, -19.25],
      referenceRejected: [-11.5, -19],
    };
    const pairwise = pairBatch(pairs, { chosenWinRate: [0.7, 0.6], rejectedWinRate: [0.3, 0.4] });
    const all = perResponseBatch(2, {
      policy: [-10.5, -12, -20, -18.5],
      reference: [-11, -11.5, -19.25, -19],
      winRates: [0.7, 0.3, 0.6, 0.4],
    });
    assertClose(
      evaluate(sppoLoss({ eta: 5, convention: 'all' }), all).value,
      evaluate(sppoLoss({ eta: 5 }), pairwise).value,
      { atol: 1e-5 },
    );
    disposeBatch(pairwise);
    disposeBatch(all);
  });

  it('soft-mean: η r_i − log mean_j exp(η r_j) over each prompt, or over the batch', () => {
    const eta = 5;
    const h = perResponse.policy.map((p, i) => p - (perResponse.reference[i] as number));
    const batch = perResponseBatch();
    const perPrompt = softMeanTargets(perResponse.winRates, eta, 3);
    const perBatch = softMeanTargets(perResponse.winRates, eta, 6);
    const expectedPrompt = mean(h.map((v, i) => (v - (perPrompt[i] as number)) ** 2));
    const expectedBatch = mean(h.map((v, i) => (v - (perBatch[i] as number)) ** 2));
    const promptLoss = sppoLoss({ eta, convention: 'soft-mean' });
    const batchLoss = sppoLoss({ eta, convention: 'soft-mean', baseline: 'batch' });
    assertClose(evaluate(promptLoss, batch).value, expectedPrompt, { atol: 1e-5 });
    assertClose(evaluate(batchLoss, batch).value, expectedBatch, { atol: 1e-5 });
    // the two baselines differ on this batch (prompts with different win-rate spreads) ...
    expect(Math.abs(expectedPrompt - expectedBatch)).toBeGreaterThan(0.01);
    // ... by a per-prompt constant shift of the targets
    const shifts = perPrompt.map((t, i) => t - (perBatch[i] as number));
    expect(Math.abs((shifts[0] as number) - (shifts[2] as number))).toBeLessThan(1e-12);
    expect(Math.abs((shifts[0] as number) - (shifts[3] as number))).toBeGreaterThan(0.01);
    checkFieldGradients(promptLoss, batch, ['policyLogps']);
    checkFieldGradients(batchLoss, batch, ['policyLogps']);
    disposeBatch(batch);
  });

  it('soft-mean baselines coincide when every prompt has the same win rates', () => {
    const batch = perResponseBatch(3, {
      ...perResponse,
      winRates: [0.7, 0.45, 0.35, 0.45, 0.35, 0.7],
    });
    assertClose(
      evaluate(sppoLoss({ eta: 5, convention: 'soft-mean' }), batch).value,
      evaluate(sppoLoss({ eta: 5, convention: 'soft-mean', baseline: 'batch' }), batch).value,
      { atol: 1e-5 },
    );
    disposeBatch(batch);
  });

  it('is exactly zero at its targets in every convention', () => {
    const eta = 4;
    const winner = [0.75, 0.625];
    const loser = [0.25, 0.5];
    const zeroRef = [0, 0];
    // two-sided: h_w = η(p̂_w − ½), h_l = η(p̂_l − ½)
    const twoSided = pairBatch(
      {
        policyChosen: winner.map((p) => eta * (p - 0.5)),
        policyRejected: loser.map((p) => eta * (p - 0.5)),
        referenceChosen: zeroRef,
        referenceRejected: zeroRef,
      },
      { chosenWinRate: winner, rejectedWinRate: loser },
    );
    expect(evaluate(sppoLoss({ eta }), twoSided).value).toBe(0);
    const single = pairBatch(
      {
        policyChosen: winner.map((m) => eta * (m - 0.5)),
        policyRejected: winner.map((m) => -eta * (m - 0.5)),
        referenceChosen: zeroRef,
        referenceRejected: zeroRef,
      },
      { pairPreference: winner },
    );
    expect(evaluate(sppoLoss({ eta, convention: 'single' }), single).value).toBe(0);
    const hard = pairBatch({
      policyChosen: [2, 2],
      policyRejected: [-2, -2],
      referenceChosen: zeroRef,
      referenceRejected: zeroRef,
    });
    expect(evaluate(sppoLoss({ convention: 'hard', beta: 0.25 }), hard).value).toBe(0);
    const winRates = [0.75, 0.25, 0.625, 0.5];
    const all = {
      policyLogps: tf.tensor1d(winRates.map((p) => eta * (p - 0.5))),
      referenceLogps: tf.zeros([4]) as tf.Tensor1D,
      winRates: tf.tensor1d(winRates),
      responsesPerPrompt: 2,
    };
    expect(evaluate(sppoLoss({ eta, convention: 'all' }), all).value).toBe(0);
    const targets = softMeanTargets(winRates, eta, 2);
    const softMean = { ...all, policyLogps: tf.tensor1d(targets) };
    expect(evaluate(sppoLoss({ eta, convention: 'soft-mean' }), softMean).value).toBeLessThan(1e-10);
    [twoSided, single, hard, all, { policyLogps: softMean.policyLogps }].forEach(disposeBatch);
  });

  it('leaks no tensors in any convention', async () => {
    const pairs = pairBatch(samplePairs, { chosenWinRate, rejectedWinRate, pairPreference });
    for (const convention of ['two-sided', 'single', 'hard'] as const) {
      await assertNoLeaks(() => sppoLoss({ eta: 2, convention }).doCompute(pairs), `sppo ${convention}`);
    }
    const responses = perResponseBatch();
    await assertNoLeaks(() => sppoLoss({ eta: 2, convention: 'all' }).doCompute(responses), 'sppo all');
    for (const baseline of ['prompt', 'batch'] as const) {
      await assertNoLeaks(
        () => sppoLoss({ eta: 2, convention: 'soft-mean', baseline }).doCompute(responses),
        `sppo soft-mean ${baseline}`,
      );
    }
    disposeBatch(pairs);
    disposeBatch(responses);
  });

  it('names the loss and the field that is missing or inconsistent', () => {
    const batch = pairBatch(samplePairs, { chosenWinRate });
    expect(() => sppoLoss().doCompute(batch)).toThrow(/sppo loss: batch field "rejectedWinRate" is missing/);
    expect(() => sppoLoss({ convention: 'single' }).doCompute(batch)).toThrow(/sppo-single loss: .*"pairPreference"/);
    disposeBatch(batch);
    const short = pairBatch(samplePairs, { chosenWinRate: [0.5], rejectedWinRate: [0.5] });
    expect(() => sppoLoss().doCompute(short)).toThrow(/sppo loss: batch field "chosenWinRate" has shape \[1\]/);
    disposeBatch(short);
    const noK = perResponseBatch(null);
    expect(() => sppoLoss({ convention: 'soft-mean' }).doCompute(noK)).toThrow(
      /sppo-soft-mean loss: .*"responsesPerPrompt"/,
    );
    const badK = perResponseBatch(4);
    expect(() => sppoLoss({ convention: 'all' }).doCompute(badK)).toThrow(
      /responsesPerPrompt 4 must be a positive integer dividing the 6/,
    );
    disposeBatch(noK);
    disposeBatch(badK);
  });

  it('validates its options, naming the field and range', () => {
    try {
      sppoLoss({ eta: 0 });
      expect.unreachable();
    } catch (error) {
      expect(PrefplayError.isInstance(error)).toBe(true);
      expect((error as PrefplayError).where.field).toBe('eta');
      expect((error as Error).message).toMatch(/sppo loss options.*"eta".*> 0/);
    }
    expect(() => sppoLoss({ convention: 'softmean' as never })).toThrow(/sppo loss options.*"convention"/);
    expect(sppoLoss().lossId).toBe('sppo');
  });
});
