import { assertClose, assertNoLeaks, mockPolicy, useTestBackend } from '@prefplay/testing';
import { beforeAll, describe, it } from 'vitest';
import { policyHiddenEncoder } from './policy-hidden-encoder.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('policyHiddenEncoder', () => {
  it('returns the normalised mean token embedding of the mock policy (closed form)', async () => {
    const policy = mockPolicy({ vocabSize: 5, hiddenSize: 3, seed: 4 });
    const table = policy.embedding.arraySync() as number[][];
    const expected = [[0, 2], [4], [1, 1, 3]].map((tokens) => {
      const mean = [0, 1, 2].map((d) => tokens.reduce((s, t) => s + (table[t]?.[d] as number), 0) / tokens.length);
      const norm = Math.hypot(...mean);
      return mean.map((v) => v / norm);
    });
    const encoder = policyHiddenEncoder(policy, { batchSize: 2 });
    const out = await encoder.doEncode({
      prompt: { id: 'p', tokens: [0] },
      responses: [{ tokens: [0, 2] }, { tokens: [4] }, { tokens: [1, 1, 3] }],
    });
    assertClose(out, expected, { atol: 1e-6 });
    await assertNoLeaks(() => encoder.doEncode({ responses: [{ tokens: [1, 2] }] }), 'policyHiddenEncoder');
    policy.dispose();
  });
});
