import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from './__fixtures__/capture-io.js';
import { main } from './cli.js';

// Config checks of `prefplay train` on a Hugging Face model folder (a fixture made by
// packages/policies/scripts/make-hugging-face-fixtures.py); the full run is examples/own-model's test.
const model = fileURLToPath(new URL('../../policies/src/hugging-face/__fixtures__/llama-tiny', import.meta.url));
let dir: string;
const base = (oracleOptions: Record<string, unknown>) => ({
  policy: { model, lora: { r: 2 } },
  prompts: 'prompts.jsonl',
  oracle: { name: 'openai-judge', options: { baseURL: 'http://127.0.0.1:9/v1', model: 'judge', ...oracleOptions } },
  methods: [{ method: 's-sppo' }],
});
const write = (name: string, value: unknown) => {
  writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return name;
};
const train = async (file: string, extra: string[] = []) => {
  const io = captureIo(dir);
  const code = await main(
    ['train', file, '--out', join(dir, `run-${Math.random().toString(36).slice(2)}`), ...extra],
    io,
  );
  return { code, out: io.out, err: io.err };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prefplay-train-hf-'));
  write('prompts.jsonl', '{"prompt": "Hello world"}\n{"prompt": "The cat"}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prefplay train on a Hugging Face model', () => {
  it('--check validates and prints the resolved config without running', async () => {
    process.env.PREFPLAY_TEST_KEY = 'sk-check';
    const run = await train(write('ok.json', base({ apiKeyEnv: 'PREFPLAY_TEST_KEY' })), ['--check']);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain('valid');
    expect(run.out).toMatch(/calibration:/);
    expect(run.out).toContain('apiKeyEnv: PREFPLAY_TEST_KEY');
    expect(run.out + run.err).not.toContain('sk-check');
    delete process.env.PREFPLAY_TEST_KEY;
  });

  it('refuses an API key written in the config, naming the file, line and field', async () => {
    const run = await train(write('key.json', base({ apiKey: 'sk-in-the-file' })));
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/key\.json:\d+, field "oracle\.options\.apiKey"/);
    expect(run.err).toContain('an API key is never read from the config file');
    expect(run.err).not.toContain('sk-in-the-file');
  });

  it('names an unset key variable, an unknown oracle, an unknown key and adapter with lora', async () => {
    delete process.env.PREFPLAY_UNSET_KEY;
    const unset = await train(write('unset.json', base({ apiKeyEnv: 'PREFPLAY_UNSET_KEY' })));
    expect(unset.code).toBe(2);
    expect(unset.err).toContain('the environment variable PREFPLAY_UNSET_KEY (oracle.options.apiKeyEnv) is not set');
    const unknown = await train(write('unknown.json', { ...base({}), oracle: 'gpt-judge' }));
    expect(unknown.err).toMatch(/unknown oracle "gpt-judge".*openai-judge/);
    const typo = await train(
      write(
        'typo.yaml',
        `policy:\n  model: ${model}\n  lorra: { r: 2 }\nprompts: p.jsonl\noracle: openai-judge\nmethods: [{ method: sppo }]\n`,
      ),
    );
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/typo\.yaml:3.*policy\.lorra/);
    const both = await train(write('both.json', { ...base({}), policy: { model, lora: { r: 2 }, adapter: './a' } }));
    expect(both.err).toContain('policy.adapter and policy.lora cannot be used together');
  });
});
