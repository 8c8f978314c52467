import { PrefplayError } from '@prefplay/core';
import { useTestBackend } from '@prefplay/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { restorePolicy } from './restore-policy.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('restorePolicy', () => {
  it('rejects unknown kinds and malformed configs with a located error', () => {
    const unknown = () => restorePolicy({ kind: 'lstm', config: {}, weights: {} });
    expect(unknown).toThrow(PrefplayError);
    expect(unknown).toThrow(/kind "lstm" is unknown/);
    expect(() => restorePolicy({ kind: 'transformer', config: { vocabSize: 4 }, weights: {} })).toThrow(
      /config.dModel/,
    );
    expect(() => restorePolicy({ kind: 'tabular', config: { numPrompts: 1, numCandidates: 2 }, weights: {} })).toThrow(
      /weights.logits|"logits"/,
    );
  });
});
