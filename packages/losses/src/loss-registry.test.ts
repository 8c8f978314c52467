import { type LossV1, PrefplayError } from '@prefplay/core';
import { assertClose, useTestBackend } from '@prefplay/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeBatch, evaluate, margins, mean, pairBatch, samplePairs, softplus } from './__fixtures__/batches.js';
import { dpoLoss } from './dpo-loss.js';
import { createLossRegistry, defaultLossRegistry } from './loss-registry.js';

beforeAll(async () => {
  await useTestBackend();
});

describe('loss registries', () => {
  it('holds every built-in loss under its documented name', () => {
    expect(defaultLossRegistry.names).toEqual([
      'sppo',
      'sppo-single',
      'sppo-hard',
      'sppo-all',
      'sppo-soft-mean',
      's-sppo',
      'repulsion',
      'dpo',
      'cdpo',
      'rdpo',
      'ipo',
      'hinge',
    ]);
    for (const name of defaultLossRegistry.names) {
      expect(defaultLossRegistry.createFromConfig(name).lossId).toBe(name);
    }
  });

  it('creates losses with typed options', () => {
    const batch = pairBatch(samplePairs);
    const loss = defaultLossRegistry.create('dpo', { beta: 0.5 });
    assertClose(evaluate(loss, batch).value, mean(margins(samplePairs).map((d) => softplus(-0.5 * d))), {
      atol: 1e-6,
    });
    expect(defaultLossRegistry.create('sppo-soft-mean', { eta: 2, baseline: 'batch' }).lossId).toBe('sppo-soft-mean');
    expect(defaultLossRegistry.create('s-sppo', { lambda: 0.5, repulsion: { form: 'hinge' } }).lossId).toBe('s-sppo');
    disposeBatch(batch);
  });

  it('rejects unknown names and options at compile time and at run time', () => {
    const typeChecks = () => {
      // @ts-expect-error: not a registered loss
      defaultLossRegistry.create('dpp');
      // @ts-expect-error: dpo has no epsilon option
      defaultLossRegistry.create('dpo', { epsilon: 0.1 });
      // @ts-expect-error: beta must be a number
      defaultLossRegistry.create('ipo', { beta: '0.1' });
      // @ts-expect-error: the convention is fixed by the name
      defaultLossRegistry.create('sppo-hard', { convention: 'all' });
    };
    expect(typeChecks).toThrow(PrefplayError);
    try {
      defaultLossRegistry.createFromConfig('dpp', {});
      expect.unreachable();
    } catch (error) {
      expect(PrefplayError.hasCode(error, 'invalid-config')).toBe(true);
      expect((error as Error).message).toMatch(/unknown loss "dpp".*Use one of: sppo, sppo-single/);
    }
    expect(() => defaultLossRegistry.createFromConfig('cdpo', { epsilon: 0.7 })).toThrow(/cdpo .*"epsilon"/);
  });

  it('extends the default factories with a custom loss, type-safely', () => {
    const custom = (options: { scale?: number } = {}): LossV1 => ({
      ...dpoLoss({ beta: options.scale ?? 1 }),
      lossId: 'scaled-dpo',
    });
    const registry = createLossRegistry({ ...defaultLossRegistry.factories, 'scaled-dpo': custom });
    expect(registry.create('scaled-dpo', { scale: 2 }).lossId).toBe('scaled-dpo');
    expect(registry.create('hinge').lossId).toBe('hinge');
    expect(registry.has('scaled-dpo')).toBe(true);
    expect(registry.has('nope')).toBe(false);
    // @ts-expect-error: scale must be a number
    expect(() => registry.create('scaled-dpo', { scale: 'x' })).toThrow(/dpo loss options.*"beta"/);
    // the default registry is unchanged
    expect(defaultLossRegistry.has('scaled-dpo')).toBe(false);
  });
});
