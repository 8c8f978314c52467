import { experimentConfigSchema, reproduceConfig } from '@prefplay/cli';
import { describe, expect, it } from 'vitest';
import { parseLabSettings } from './lab-settings.js';
import { cliEquivalent, cliExperimentConfig, cliTrainingFlags, mainJobConfig } from './main-job-config.js';

// the CLI's own config of `prefplay reproduce` with these flags, as it writes it to config.json
const cliConfig = (flags: Parameters<typeof reproduceConfig>[0]) =>
  JSON.parse(JSON.stringify(experimentConfigSchema.parse(reproduceConfig(flags))));
const labConfig = (settings: Parameters<typeof parseLabSettings>[0]) =>
  JSON.parse(JSON.stringify(mainJobConfig(parseLabSettings(settings))));
/**
 * What decides the numbers: seeds, base, oracle, encoder, the trainer, the method entries and the
 * evaluation's sample sizes.
 */
const training = (config: Record<string, unknown>) => {
  const { seeds, base, oracle, encoder, batchExtensions, trainer, methods } = config;
  const { samplesPerPrompt, baseSamplesPerPrompt } = config.evaluation as Record<string, number>;
  return {
    seeds,
    base,
    oracle,
    encoder,
    batchExtensions,
    trainer,
    methods,
    evaluation: { samplesPerPrompt, baseSamplesPerPrompt },
  };
};

describe('mainJobConfig', () => {
  it('trains as prefplay reproduce --quick does, and as prefplay reproduce for one seed', () => {
    for (const settings of [{ preset: 'quick' as const }, { preset: 'full' as const, seed: 2 }]) {
      const lab = labConfig(settings);
      const cli = cliConfig(cliTrainingFlags(parseLabSettings(settings)));
      expect(training(lab)).toEqual(training(cli));
      expect(cli.task.overconfidence).toEqual([4]);
      // the rest of the CLI's evaluation is what the lab computes: the exact dynamics, distinct
      // meanings among the trainer's K samples, no encoder measurement
      expect(cli.evaluation).toEqual({ ...lab.evaluation, ideal: true, encoderQuality: false });
    }
    // the lab's download is a config prefplay train accepts, with the same training
    const file = cliExperimentConfig(mainJobConfig(parseLabSettings({ preset: 'quick' })));
    expect(training(JSON.parse(JSON.stringify(experimentConfigSchema.parse(file))))).toEqual(
      training(cliConfig(cliTrainingFlags(parseLabSettings({ preset: 'quick' })))),
    );
  });

  it('follows the controls that reproduce has flags for', () => {
    const settings = { seed: 5, overconfidence: 0, iterations: 3, methods: ['sppo', 'iterative-ipo'] } as const;
    const lab = labConfig({ preset: 'quick', ...settings });
    expect(training(lab)).toEqual(
      training(
        cliConfig({ quick: true, seeds: [5], overconfidence: [0], iterations: 3, methods: ['sppo', 'iterative-ipo'] }),
      ),
    );
    expect(lab.task).toEqual({ overconfidence: 0 });
    expect(cliEquivalent(parseLabSettings({ preset: 'quick', ...settings })).command).toBe(
      'prefplay reproduce --quick --seeds 5 --overconfidence 0 --iterations 3 --methods sppo,iterative-ipo',
    );
  });

  it('changes only η and the gate for the controls reproduce has no flag for, and says so', () => {
    const quick = labConfig({ preset: 'quick' });
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
    expect(cliEquivalent(parseLabSettings({})).command).toBe(
      'prefplay reproduce --quick --overconfidence 4 --methods sppo,s-sppo,iterative-dpo',
    );
  });
});
