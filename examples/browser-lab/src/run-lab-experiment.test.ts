import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@prefplay/cli';
import { initBackend } from '@prefplay/core/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLabSettings } from './lab-settings.js';
import { cliExperimentConfig, mainJobConfig } from './main-job-config.js';
import { runLabExperiment } from './run-lab-experiment.js';

const directories: string[] = [];
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

describe('runLabExperiment', () => {
  it('trains exactly as prefplay train does on the same cell, without leaking tensors', async () => {
    await initBackend({ backend: 'wasm' });
    // the quick main job, smaller: a short SFT, one iteration of one epoch, SPPO and S-SPPO
    const quick = mainJobConfig(parseLabSettings({ preset: 'quick', iterations: 1, methods: ['sppo', 's-sppo'] }));
    const config = { ...quick, base: { steps: 12 }, trainer: { ...quick.trainer, epochs: 1 } };
    const directory = await mkdtemp(join(tmpdir(), 'prefplay-lab-'));
    directories.push(directory);
    const file = join(directory, 'lab-config.json');
    // the CLI evaluates with the main job's evaluation; keep it small here
    await writeFile(
      file,
      JSON.stringify({
        ...cliExperimentConfig(config),
        evaluation: { samplesPerPrompt: 8, baseSamplesPerPrompt: 8 },
        runDirectories: false,
      }),
    );
    const out = join(directory, 'run');
    let stderr = '';
    const code = await main(['train', file, '--out', out], {
      stdout: () => {},
      stderr: (text) => {
        stderr += text;
      },
      cwd: directory,
      isTTY: false,
    });
    expect(code, stderr).toBe(0);
    const cli = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));

    const tensors = tf.memory().numTensors;
    const iterations: string[] = [];
    const lab = await runLabExperiment(config, {
      onIteration: (method, summary) => iterations.push(`${method}@${summary.iteration}`),
    });
    expect(tf.memory().numTensors).toBe(tensors);
    // the two methods ran side by side, the CLI ran them one after the other: same numbers
    expect(iterations.sort()).toEqual(['s-sppo@0', 's-sppo@1', 'sppo@0', 'sppo@1']);
    // every number that training decides is the CLI's, bit for bit
    const trainingKeys = /^(train|logps|targets|gate|similarity|latent_distance)\//;
    const trainingOf = (rows: readonly Record<string, number>[]) =>
      rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k === 'iteration' || trainingKeys.test(k))));
    for (const name of ['sppo', 's-sppo']) {
      const mine = trainingOf(JSON.parse(JSON.stringify(lab.methods[name]?.iterations)));
      expect(mine[1]?.['train/loss']).toBeDefined();
      expect(mine).toEqual(trainingOf(cli.methods[name].iterations));
    }
    // the gate was on for S-SPPO (and off for SPPO)
    expect(cli.methods['s-sppo'].iterations[1]['gate/count']).toBeGreaterThan(0);
    expect(cli.methods.sppo.iterations[1]['gate/count']).toBeUndefined();
  });
});
