import { PrefplayError, parseOptions } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { experimentConfigSchema } from '../experiment-config.js';
import { experimentCells } from '../synthetic-experiment.js';
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

  it('is the pre-registered headline: both oracles on the default task, five seeds, a large evaluation', () => {
    const config = parseOptions(experimentConfigSchema, reproduceConfig({}), { what: 'reproduce' });
    expect(config.seeds).toEqual([1, 2, 3, 4, 5]);
    expect(experimentCells(config).map((c) => [c.overconfidence, c.concision, c.dominantClaimShare])).toEqual([
      [0, 1, 2 / 3],
      [4, 1, 2 / 3],
    ]);
    expect(config.evaluation.samplesPerPrompt).toBeGreaterThanOrEqual(128);
    expect(config.evaluation.baseSamplesPerPrompt).toBeGreaterThanOrEqual(128);
    const legacy = parseOptions(
      experimentConfigSchema,
      reproduceConfig({ overconfidence: [4], concision: 0, dominantClaimShare: null }),
      { what: 'reproduce' },
    );
    expect(experimentCells(legacy).map((c) => c.label)).toEqual(['κ=4 concision=0 uniform']);
  });

  it('crosses list-valued task options into cells', () => {
    const config = parseOptions(
      experimentConfigSchema,
      {
        methods: [{ method: 'sppo' }],
        task: { overconfidence: [0, 1, 2], concision: [0, 1], dominantClaimShare: [null, 0.5] },
      },
      { what: 'experiment' },
    );
    const cells = experimentCells(config);
    expect(cells).toHaveLength(12);
    expect(new Set(cells.map((c) => c.label)).size).toBe(12);
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
