import { PrefplayError } from '@prefplay/core';
import { describe, expect, it } from 'vitest';
import { labSettingsFromQuery, parseLabSettings } from './lab-settings.js';

function errorOf(run: () => unknown): PrefplayError {
  try {
    run();
  } catch (error) {
    if (PrefplayError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('labSettingsFromQuery', () => {
  it('reads the preset, autostart and every control from the query string', () => {
    expect(labSettingsFromQuery('?preset=quick&autostart=1')).toEqual({
      preset: 'quick',
      seed: 1,
      backend: 'auto',
      autostart: true,
    });
    expect(
      labSettingsFromQuery(
        '?preset=full&seed=3&overconfidence=0&eta=16&gateLow=0.5&gateHigh=0.9&iterations=4&methods=sppo,s-sppo&backend=wasm',
      ),
    ).toEqual({
      preset: 'full',
      seed: 3,
      overconfidence: 0,
      eta: 16,
      gateLow: 0.5,
      gateHigh: 0.9,
      iterations: 4,
      methods: ['sppo', 's-sppo'],
      backend: 'wasm',
      autostart: false,
    });
  });

  it('names an unknown parameter, an unreadable number, a repeated parameter and a bad value', () => {
    expect(errorOf(() => labSettingsFromQuery('?presets=quick')).message).toMatch(/presets/);
    const seed = errorOf(() => labSettingsFromQuery('?seed=one'));
    expect(seed.where.field).toBe('seed');
    expect(seed.message).toMatch(/must be a number, got "one"/);
    expect(errorOf(() => labSettingsFromQuery('?seed=1&seed=2')).message).toMatch(/given twice/);
    expect(errorOf(() => labSettingsFromQuery('?autostart=yes')).where.field).toBe('autostart');
    expect(errorOf(() => labSettingsFromQuery('?methods=sppo,ppo')).message).toMatch(/methods/);
    expect(errorOf(() => labSettingsFromQuery('?iterations=0')).message).toMatch(/iterations/);
  });

  it('refuses a gate whose low threshold is not below its high one', () => {
    const error = errorOf(() => parseLabSettings({ gateLow: 0.9, gateHigh: 0.9 }));
    expect(error.code).toBe('invalid-options');
    expect(error.where.field).toBe('gateHigh');
  });
});
