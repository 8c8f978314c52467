import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@prefplay/cli';
import { initBackend } from '@prefplay/core/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliSummary, cliCellOf, labCellOf } from '../test/cli-summary-cell.js';
import { parseLabSettings } from './lab-settings.js';
import { cliExperimentConfig, mainJobConfig } from './main-job-config.js';
import { runLabExperiment } from './run-lab-experiment.js';

const directories: string[] = [];
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

describe('runLabExperiment', () => {
  it('trains and evaluates exactly as prefplay train does on the same cell, without leaking tensors', async () => {
    await initBackend({ backend: 'wasm' });
    // the quick main job, smaller: a short SFT, one iteration of one epoch, a small evaluation;
    // SPPO, S-SPPO and iterative DPO (no exact dynamics, no step fraction)
    const quick = mainJobConfig(
      parseLabSettings({ preset: 'quick', iterations: 1, methods: ['sppo', 's-sppo', 'iterative-dpo'] }),
    );
    const config = {
      ...quick,
      base: { steps: 12 },
      trainer: { ...quick.trainer, epochs: 1 },
      evaluation: { samplesPerPrompt: 8, baseSamplesPerPrompt: 12 },
    };
    const directory = await mkdtemp(join(tmpdir(), 'prefplay-lab-'));
    directories.push(directory);
    const file = join(directory, 'lab-config.json');
    await writeFile(file, JSON.stringify({ ...cliExperimentConfig(config), runDirectories: false }));
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
    const cli = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as CliSummary;

    const tensors = tf.memory().numTensors;
    const iterations: string[] = [];
    const lab = await runLabExperiment(config, {
      onIteration: (method, summary) => iterations.push(`${method}@${summary.iteration}`),
    });
    expect(tf.memory().numTensors).toBe(tensors);
    // the methods ran side by side, the CLI ran them one after the other: same numbers
    expect(iterations.sort()).toEqual([
      'iterative-dpo@0',
      'iterative-dpo@1',
      's-sppo@0',
      's-sppo@1',
      'sppo@0',
      'sppo@1',
    ]);
    // every number of the cell is the CLI's, bit for bit: training, the evaluation of every
    // iteration, step fractions, the exact dynamics and the paired differences
    const mine = labCellOf(lab);
    expect(mine).toEqual(cliCellOf(cli, 1));
    const sppo = mine.methods.sppo?.iterations ?? [];
    for (const key of ['train/loss', 'winRateVsBase', 'winRateVsBaseSE', 'exploitability', 'distinctMeanings']) {
      expect(Number.isFinite(sppo[1]?.[key]), key).toBe(true);
    }
    expect(Number.isFinite(sppo[1]?.stepFraction)).toBe(true);
    expect(mine.methods['iterative-dpo']?.iterations[1]?.stepFraction).toBeUndefined();
    expect(Object.keys(mine.ideal)).toEqual(['exact SPPO', 'exact S-SPPO']);
    expect(mine.comparisons.map((c) => `${c.first} − ${c.second}`)).toEqual(['s-sppo − sppo', 'iterative-dpo − sppo']);
    expect(mine.cell).toBe('κ=4 concision=1 share 0.667');
    // the gate was on for S-SPPO (and off for SPPO)
    expect(mine.methods['s-sppo']?.iterations[1]?.['gate/count']).toBeGreaterThan(0);
    expect(sppo[1]?.['gate/count']).toBeUndefined();
  });
});
