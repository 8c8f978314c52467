import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHuggingFaceModel } from './load-hugging-face-model.js';

// Reference values: per-token log-probs, pooled last hidden states and next-token logits of each
// fixture model from an independent float64 numpy forward pass, written by
// packages/policies/scripts/make-hugging-face-fixtures.py (see __fixtures__/README.md).
const fixtures = fileURLToPath(new URL('../hugging-face/__fixtures__/', import.meta.url));
type ReferenceRow = {
  prompt: number[];
  response: number[];
  tokenLogps: number[];
  logp: number;
  hidden: number[];
  nextLogits: number[];
};
const reference = JSON.parse(readFileSync(`${fixtures}reference.json`, 'utf8')) as {
  models: Record<string, { dtype: string; rows: ReferenceRow[] }>;
};

beforeAll(async () => {
  await useTestBackend();
});

function expectRelative(actual: number, expected: number, tolerance: number, label: string): void {
  const error = Math.abs(actual - expected) / Math.max(1e-6, Math.abs(expected));
  if (!(error <= tolerance)) throw new Error(`${label}: ${actual} vs ${expected} (relative error ${error})`);
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], atol: number, label: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const difference = Math.abs((actual[i] as number) - (expected[i] as number));
    if (!(difference <= atol * Math.max(1, Math.abs(expected[i] as number)))) {
      throw new Error(`${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
    }
  }
}

describe.each(Object.keys(reference.models))('%s', (name) => {
  const { rows } = reference.models[name] as { rows: ReferenceRow[] };

  it('scores every row to 1e-4 relative of the numpy forward pass, batched with padding', async () => {
    const { policy, unusedTensors } = await loadHuggingFaceModel(`${fixtures}${name}`);
    expect(unusedTensors).toEqual([]);
    const out = tf.tidy(() => {
      const result = policy.doForward({
        prompts: rows.map((r) => r.prompt),
        responses: rows.map((r) => r.response),
        outputs: { tokenLogps: true, hidden: true },
      });
      return {
        logps: result.logps.arraySync(),
        tokenLogps: result.tokenLogps?.arraySync() as number[][],
        mask: result.responseMask?.arraySync() as number[][],
        hidden: result.hidden?.arraySync() as number[][],
      };
    });
    rows.forEach((row, b) => {
      expectRelative(out.logps[b] as number, row.logp, 1e-4, `${name} row ${b} logp`);
      expectClose(
        (out.tokenLogps[b] as number[]).slice(0, row.response.length),
        row.tokenLogps,
        1e-4,
        `${name} row ${b} tokens`,
      );
      expect((out.mask[b] as number[]).slice(row.response.length).every((v) => v === 0)).toBe(true);
      expectClose(out.hidden[b] as number[], row.hidden, 1e-4, `${name} row ${b} hidden`);
    });
    policy.dispose();
  });

  it('decodes with and without the KV cache to the numpy next-token logits', async () => {
    const { policy } = await loadHuggingFaceModel(`${fixtures}${name}`, { trainable: false });
    // Two rows of different lengths (left-padded): step through the responses token by token.
    const [first, second] = rows as [ReferenceRow, ReferenceRow];
    for (const useCache of [true, false]) {
      const session = policy.doBeginDecoding({ prompts: [first.prompt, second.prompt], useCache });
      const steps = Math.min(first.response.length, second.response.length);
      for (let j = 0; j < steps; j++) {
        session.doAppend([first.response[j] as number, second.response[j] as number]);
      }
      const logits = session.doNextLogits();
      const values = logits.arraySync() as number[][];
      logits.dispose();
      session.dispose();
      // Row 1 has exactly `steps` response tokens appended when it is the shorter one.
      const full = first.response.length === steps ? first : second;
      const row = full === first ? 0 : 1;
      expectClose(values[row] as number[], full.nextLogits, 2e-4, `${name} next logits (cache ${useCache})`);
    }
    policy.dispose();
  });
});

describe('Hugging Face policy tensors', () => {
  it('does not leak in doForward, its gradient, decoding and snapshots', async () => {
    const { policy } = await loadHuggingFaceModel(`${fixtures}llama-tiny`, { lora: { r: 2 } });
    const rows = reference.models['llama-tiny']?.rows as ReferenceRow[];
    const options = {
      prompts: rows.map((r) => r.prompt),
      responses: rows.map((r) => r.response),
      outputs: { tokenLogps: true, hidden: true },
    };
    await assertNoLeaks(() => policy.doForward(options), 'doForward');
    await assertNoLeaks(
      () =>
        tf.variableGrads(
          () => tf.sum(policy.doForward(options).logps) as tf.Scalar,
          policy.trainableVariables() as tf.Variable[],
        ),
      'doForward gradient',
    );
    await assertNoLeaks(() => {
      const session = policy.doBeginDecoding({ prompts: [[1, 2, 3], [4]] });
      session.doNextLogits().dispose();
      session.doAppend([5, 6]);
      const logits = session.doNextLogits();
      session.dispose();
      return logits;
    }, 'decoding');
    const before = tf.memory().numTensors;
    const snapshot = policy.doSnapshot();
    snapshot.dispose();
    expect(tf.memory().numTensors).toBe(before);
    policy.dispose();
  });
});
