import { PrefplayError, parseOptions } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { experimentConfigSchema } from '../experiment-config.js';
import { reproduceConfig } from './reproduce.js';

describe('reproduce config', () => {
  it('builds a valid experiment: three methods from one base, at least four iterations by default', () => {
    const config = parseOptions(experimentConfigSchema, reproduceConfig({}), { what: 'reproduce' });
    expect(config.methods.map((m) => m.name ?? m.method)).toEqual(['sppo', 's-sppo', 'iterative-dpo']);
    expect(config.trainer.iterations as number).toBeGreaterThanOrEqual(4);
    const quick = parseOptions(
      experimentConfigSchema,
      reproduceConfig({ quick: true, seeds: [1, 2], ablations: ['gate-only', 'repulsion-only'] }),
      { what: 'reproduce' },
    );
    expect(quick.seeds).toEqual([1, 2]);
    expect(quick.methods.map((m) => m.name ?? m.method)).toContain('s-sppo-repulsion-only');
  });

  it('rejects an unknown ablation or method by name', () => {
    expect(() => reproduceConfig({ ablations: ['gate-off'] })).toThrow(/unknown ablation "gate-off"/);
    const error = (() => {
      try {
        reproduceConfig({ methods: ['spo'] });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(PrefplayError.isInstance(error) && error.where.field).toBe('--methods');
  });
});
