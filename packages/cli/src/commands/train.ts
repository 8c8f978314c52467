import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeBackend, initBackend, PrefplayError } from '@prefplay/core';
import { type Command, exitCodes } from '../command.js';
import { loadConfigFile } from '../load-config.js';
import { experimentConfigSchema, runSyntheticExperiment } from '../synthetic-experiment.js';

const help = `Usage: prefplay train CONFIG.json|CONFIG.yaml [--out DIR]

Runs the experiment a config file describes on the embedded synthetic task and writes its run
directory (default runs/<timestamp>): config.json, summary.json, report.html, and per seed and
method metrics.jsonl, checkpoints, summary.json and report.html.

Config (YAML or JSON; every field but "methods" has a default):
  seeds: [1]                       seeds, each with its own base policy
  task: { overconfidence: 4 }      κ of the training oracle on same-meaning pairs
  base: { steps, batchSize, learningRate }   SFT of the base policy (createBasePolicy's defaults)
  encoder: task | tfidf | policy-hidden                       semantic encoder of the gate
  trainer: { iterations, samplesPerPrompt, epochs, batchSize, learningRate, optimizer,
             sppo: { convention, eta, beta }, gate: { enabled, low, high },
             repulsion: { enabled, lambda, margin, form }, dpo: { beta }, ipo: { beta, perToken } }
  methods:                         one entry per run; fields override "trainer"
    - { method: sppo }
    - { method: s-sppo, name: s-sppo-gate-only, repulsion: { enabled: false } }
  evaluation: { samplesPerPrompt: 8, exploitability: true }

Errors name the file, the line and the field.
`;

function timestamp(date: Date): string {
  return date.toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'run an experiment described by a JSON or YAML config',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { out: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem:
          file === undefined ? 'train needs a config file' : `train takes one config file, got ${positionals.length}`,
        hint: 'Run prefplay train CONFIG.yaml (see prefplay train --help)',
      });
    }
    const path = resolve(io.cwd, file);
    const config = await loadConfigFile(path, experimentConfigSchema, 'experiment config');
    const backend = await initBackend();
    io.stderr(`${describeBackend(backend)}\n`);
    const out = resolve(io.cwd, values.out ?? join('runs', timestamp(new Date())));
    const result = await runSyntheticExperiment(config, out, io);
    io.stdout(`${result.table}\n\nRun directory: ${out}\n`);
    return exitCodes.ok;
  },
};
