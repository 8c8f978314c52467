import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PrefplayError } from '@prefplay/core';
import { describeBackend, initBackend } from '@prefplay/core/node';
import { defaultLossRegistry } from '@prefplay/losses';
import { selfPlayPresetNames } from '@prefplay/trainers';
import { stringify } from 'yaml';
import { type Command, exitCodes } from '../command.js';
import { experimentConfigSchema, resolveMethods } from '../experiment-config.js';
import { isHuggingFaceConfig, trainHuggingFace } from '../hugging-face-experiment.js';
import { locateInDocument, readConfigDocument, validateConfigDocument } from '../load-config.js';
import { runDirectoryMode, runDirectoryOptions } from '../run-directory-flags.js';
import { prepareExperiment, runSyntheticExperiment } from '../synthetic-experiment.js';

const minimal = { methods: [{ method: 'sppo' }] };

/** The minimal config with every default filled in, as the help shows it. */
function resolvedDefaults(): string {
  const config = experimentConfigSchema.parse(minimal);
  const [method] = resolveMethods(config, defaultLossRegistry);
  const { methods: _methods, ...rest } = config;
  return stringify({ ...rest, methods: [method?.config] }).trimEnd();
}

function help(): string {
  return `Usage: prefplay train CONFIG.json|CONFIG.yaml [--out DIR] [--check] [--resume | --overwrite]

Runs the experiment a config file describes on the embedded synthetic task and writes its run
directory (default runs/<timestamp>): config.json, summary.json, report.html, and per seed, cell
and method metrics.jsonl, checkpoints, meanings.json and summary.json. Prints the verdicts of the
pre-registered criteria (docs/reproduction.md) where the cells allow them, and the final tables.

Options:
  --out DIR      run directory; one that exists and is not empty is refused unless you pass
  --resume       continue the run in --out from its last checkpoints (same config), or
  --overwrite    replace it
  --check        validate the config, load its plugins, print the resolved config, run nothing

Only "methods" is required. The smallest config is

  methods:
    - method: sppo

A method entry takes a preset as "method" (${selfPlayPresetNames.join(', ')}) and
overrides any self-play field; "trainer" holds fields shared by every method. Fields:
  plugins: [./my-plugin.js]       modules whose default export is definePlugin({ losses, oracles, encoders, ... })
  oracle, encoder                 a name or { name, options }: built-in oracles task, truth; encoders task,
                                  tfidf, policy-hidden, noisy ({ errorRate }), contrastive; or a plugin's;
                                  a method entry may name its own encoder
  task: { overconfidence, concision, dominantClaimShare, ... }   createSyntheticTask's options; a list
                                  makes a factor: the experiment runs one cell per combination
  evaluation: { samplesPerPrompt, baseSamplesPerPrompt, diversitySubsample, ideal, encoderQuality }
  loss: { name, options }         any loss of the registry (sppo, sppo-all, s-sppo, dpo, cdpo, rdpo, ipo,
                                  hinge, ...) or a plugin's
  calibration: { gate: { low, high } }     semantic gating (on when present)
  repulsion: { lambda, margin, form }      latent repulsion (on when present)

The smallest config resolves to (every default, as it runs):

${resolvedDefaults()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}

A config with a "policy" section trains your own Hugging Face model instead of the synthetic task:

  policy: { model: ./my-model, lora: { r: 8, alpha: 16 } }   # a local model folder; lora optional
  prompts: ./prompts.jsonl                                   # rows {"prompt": text or messages}
  evalPrompts: ./eval.jsonl                                  # optional held-out prompts
  oracle: { name: openai-judge, options: { baseURL: http://127.0.0.1:8000/v1, model: judge, apiKeyEnv: OPENAI_API_KEY } }
  encoder: policy-hidden                                     # or openai-embeddings, tfidf, a plugin's
  sampling: { temperature: 1, maxNewTokens: 64 }
  methods: [{ method: s-sppo }]

Each iteration's policy is saved as a Hugging Face folder (a PEFT adapter folder under LoRA unless
save.merge). API keys come from the environment variable apiKeyEnv names, never from the file.

Errors name the file, the line and the field. Unknown keys are errors at every depth.
`;
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'run an experiment described by a JSON or YAML config',
  get help() {
    return help();
  },
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { out: { type: 'string' }, check: { type: 'boolean', default: false }, ...runDirectoryOptions },
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
    const mode = runDirectoryMode(values);
    const path = resolve(io.cwd, file);
    const document = await readConfigDocument(path, 'experiment config');
    const out = resolve(io.cwd, values.out ?? join('runs', timestamp(new Date())));
    if (isHuggingFaceConfig(document.value)) {
      return trainHuggingFace(document, { out, check: values.check === true, mode }, io);
    }
    const config = validateConfigDocument(document, experimentConfigSchema, 'experiment config');
    // components are built once while the config is checked, and they may hold tensors
    const backend = await initBackend();
    let setup: Awaited<ReturnType<typeof prepareExperiment>>;
    try {
      setup = await prepareExperiment(config, { baseDirectory: dirname(path), env: process.env });
    } catch (error) {
      throw locateInDocument(document, error);
    }
    if (values.check) {
      const { methods: _methods, ...rest } = config;
      io.stdout(`# ${path}: valid\n${stringify({ ...rest, methods: setup.methods.map((m) => m.config) })}`);
      return exitCodes.ok;
    }
    io.stderr(`${describeBackend(backend)}\n`);
    let result: Awaited<ReturnType<typeof runSyntheticExperiment>>;
    try {
      result = await runSyntheticExperiment(setup, out, io, { mode });
    } catch (error) {
      throw locateInDocument(document, error);
    }
    io.stdout(`${result.text}\nRun directory: ${out}\nReport: ${join(out, 'report.html')}\n`);
    return exitCodes.ok;
  },
};
