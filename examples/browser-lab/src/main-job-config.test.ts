import { experimentConfigSchema, reproduceConfig } from '@prefplay/cli';
import { describe, expect, it } from 'vitest';
import { parseLabSettings } from './lab-settings.js';
import { cliEquivalent, mainJobConfig } from './main-job-config.js';

// the CLI's own config of `prefplay reproduce` with these flags, as it writes it to config.json
const cliConfig = (flags: Parameters<typeof reproduceConfig>[0]) =>
  JSON.parse(JSON.stringify(experimentConfigSchema.parse(reproduceConfig(flags))));
const labConfig = (settings: Parameters<typeof parseLabSettings>[0]) =>
  JSON.parse(JSON.stringify(mainJobConfig(parseLabSettings(settings))));

describe('mainJobConfig', () => {
  it('is the config of prefplay reproduce --quick, and of prefplay reproduce for one seed', () => {
    expect(labConfig({ preset: 'quick' })).toEqual(cliConfig({ quick: true }));
    expect(labConfig({ preset: 'full', seed: 2 })).toEqual(cliConfig({ seeds: [2] }));
  });

  it('follows the controls that reproduce has flags for', () => {
    const settings = { seed: 5, overconfidence: 0, iterations: 3, methods: ['sppo', 'iterative-ipo'] } as const;
    expect(labConfig({ preset: 'quick', ...settings })).toEqual(
      cliConfig({ quick: true, seeds: [5], overconfidence: 0, iterations: 3, methods: ['sppo', 'iterative-ipo'] }),
    );
    expect(cliEquivalent(parseLabSettings({ preset: 'quick', ...settings })).command).toBe(
      'prefplay reproduce --quick --seeds 5 --overconfidence 0 --iterations 3 --methods sppo,iterative-ipo',
    );
  });

  it('changes only η and the gate for the controls reproduce has no flag for, and says so', () => {
    const quick = cliConfig({ quick: true });
    const changed = labConfig({ preset: 'quick', eta: 16, gateLow: 0.5, gateHigh: 0.9 });
    expect(changed.methods[0].loss.options.eta).toBe(16);
    expect(changed.methods[1].loss.options.eta).toBe(16);
    expect(changed.methods[1].calibration.gate).toEqual({ low: 0.5, high: 0.9 });
    changed.methods[0].loss.options.eta = 4;
    changed.methods[1].loss.options.eta = 4;
    changed.methods[1].calibration.gate = { low: 0.7, high: 0.95 };
    expect(changed).toEqual(quick);
    const equivalent = cliEquivalent(parseLabSettings({ eta: 16 }));
    expect(equivalent.command).toBe('prefplay train lab-config.json');
    expect(equivalent.differences).toEqual(["η 16 (the preset's is 4)"]);
    expect(cliEquivalent(parseLabSettings({})).differences).toEqual([]);
  });
});
