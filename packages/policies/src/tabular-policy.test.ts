import { PrefplayError } from '@prefplay/core';
import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { restorePolicy } from './restore-policy.js';
import { createTabularPolicy } from './tabular-policy.js';

beforeAll(async () => {
  await useTestBackend();
});

const initialLogits = [
  [0.5, -1, 2, 0],
  [1, 1, -0.5, 3],
];
const logSoftmax = (row: number[]) => {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  return row.map((v) => v - lse);
};

describe('createTabularPolicy', () => {
  it('scores log-softmax of the prompt row (closed form)', () => {
    const policy = createTabularPolicy({ numPrompts: 2, numCandidates: 4, initialLogits });
    const prompts = [[0], [1], [1], [0]];
    const responses = [[2], [3], [0], [1]];
    const out = policy.doForward({ prompts, responses, outputs: { tokenLogps: true, hidden: true } });
    const expected = prompts.map((p, b) => logSoftmax(initialLogits[p[0]!]!)[responses[b]![0]!]!);
    assertClose(out.logps, expected);
    assertClose(
      out.tokenLogps!,
      expected.map((v) => [v]),
    );
    assertClose(out.responseMask!, [[1], [1], [1], [1]]);
    assertClose(out.hidden!, [
      [0, 0, 1, 0],
      [0, 0, 0, 1],
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ]);
    expect(out.responseLengths).toEqual([1, 1, 1, 1]);
    assertClose(
      policy.probabilities(),
      initialLogits.map((row) => logSoftmax(row).map(Math.exp)),
      { atol: 1e-6 },
    );
    tf.dispose([out.logps, out.tokenLogps!, out.responseMask!, out.hidden!]);
    policy.dispose();
  });

  it('has the closed-form gradient 1[k = c] − π(k|p)', () => {
    const policy = createTabularPolicy({ numPrompts: 2, numCandidates: 4, initialLogits });
    const { value, grads } = tf.variableGrads(
      () => tf.sum(policy.doForward({ prompts: [[1], [1]], responses: [[3], [0]] }).logps) as tf.Scalar,
      [policy.logits],
    );
    const probs = logSoftmax(initialLogits[1]!).map(Math.exp);
    const expected = [[0, 0, 0, 0], probs.map((p, k) => (k === 3 ? 1 : 0) + (k === 0 ? 1 : 0) - 2 * p)];
    assertClose(grads[policy.logits.name]!, expected, { atol: 1e-6 });
    tf.dispose([value, ...Object.values(grads)]);
    policy.dispose();
  });

  it('starts uniform, or random from the seed, and validates its options', () => {
    const uniform = createTabularPolicy({ numPrompts: 1, numCandidates: 3 });
    assertClose(uniform.probabilities(), [[1 / 3, 1 / 3, 1 / 3]], { atol: 1e-6 });
    const a = createTabularPolicy({ numPrompts: 2, numCandidates: 3, seed: 4, initialScale: 1 });
    const b = createTabularPolicy({ numPrompts: 2, numCandidates: 3, seed: 4, initialScale: 1 });
    expect(a.probabilities()).toEqual(b.probabilities());
    expect(() => createTabularPolicy({ numPrompts: 2, numCandidates: 3, initialLogits: [[1, 2, 3]] })).toThrow(
      /initialLogits/,
    );
    expect(() => createTabularPolicy({ numPrompts: 0, numCandidates: 3 })).toThrow(/numPrompts/);
    expect(() => uniform.doForward({ prompts: [[0]], responses: [[3]] })).toThrow(PrefplayError);
    expect(() => uniform.doForward({ prompts: [[0]], responses: [[1, 2]] })).toThrow(/responses\[0\]/);
    for (const p of [uniform, a, b]) p.dispose();
  });

  it('snapshots are frozen and state round-trips', async () => {
    const policy = createTabularPolicy({ numPrompts: 2, numCandidates: 4, initialLogits, policyId: 'tab' });
    const snapshot = policy.doSnapshot();
    expect(snapshot.trainableVariables()).toHaveLength(0);
    const optimizer = tf.train.sgd(1);
    optimizer
      .minimize(() => tf.neg(tf.sum(policy.doForward({ prompts: [[0]], responses: [[1]] }).logps)) as tf.Scalar)
      ?.dispose();
    assertClose(
      snapshot.probabilities(),
      initialLogits.map((row) => logSoftmax(row).map(Math.exp)),
      { atol: 1e-6 },
    );
    expect(policy.probabilities()).not.toEqual(snapshot.probabilities());
    const state = policy.doSaveState();
    expect(state.kind).toBe('tabular');
    const restored = restorePolicy(state);
    expect(restored.policyId).toBe('tab');
    expect((restored as typeof policy).probabilities()).toEqual(policy.probabilities());
    const other = createTabularPolicy({ numPrompts: 2, numCandidates: 3 });
    expect(() => other.doLoadState(state)).toThrow(/2 × 4/);
    await assertNoLeaks(() =>
      policy.doForward({ prompts: [[0]], responses: [[1]], outputs: { tokenLogps: true, hidden: true } }),
    );
    optimizer.dispose();
    for (const p of [policy, snapshot, restored, other]) p.dispose();
  });
});
