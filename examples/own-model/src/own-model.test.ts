import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHuggingFaceModel } from '@prefplay/policies/node';
import { useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OwnModelRun, runOwnModel } from './run-own-model.js';

// The example end to end: `prefplay train` runs S-SPPO with LoRA for two iterations on a tiny model
// folder, judged by a local OpenAI-compatible server whose API key comes from an environment
// variable, and writes each iteration as a PEFT adapter folder.
const secret = 'sk-own-model-test-7f3a9c1e5d';
let dir: string;
let run: OwnModelRun;

function filesUnder(path: string): string[] {
  return readdirSync(path).flatMap((name) => {
    const full = join(path, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

beforeAll(async () => {
  await useTestBackend();
  dir = mkdtempSync(join(tmpdir(), 'prefplay-own-model-'));
  process.env.OWN_MODEL_API_KEY = secret;
  run = await runOwnModel(dir);
});
afterAll(() => {
  delete process.env.OWN_MODEL_API_KEY;
  rmSync(dir, { recursive: true, force: true });
});

describe('examples/own-model', () => {
  it('trains two S-SPPO iterations with LoRA and saves each as a PEFT folder', async () => {
    expect(run.code, run.err).toBe(0);
    const summary = JSON.parse(readFileSync(join(run.runDirectory, 'summary.json'), 'utf8'));
    const rows = summary.methods['s-sppo'].iterations as { iteration: number; winRateVsBase?: number }[];
    expect(rows.map((r) => r.iteration)).toEqual([0, 1, 2]);
    expect(Number.isFinite(rows[2]?.winRateVsBase)).toBe(true);
    for (const iteration of [1, 2]) {
      const folder = join(run.runDirectory, 's-sppo', `iteration-${iteration}`);
      expect(existsSync(join(folder, 'adapter_config.json'))).toBe(true);
      expect(existsSync(join(folder, 'adapter_model.safetensors'))).toBe(true);
      expect(existsSync(join(folder, 'tokenizer.json'))).toBe(true);
    }
    // The saved adapter loads onto its base (found through base_model_name_or_path) and has moved
    // away from zero, so it scores differently from the base.
    const trained = await loadHuggingFaceModel(join(run.runDirectory, 's-sppo', 'iteration-2'));
    const base = await loadHuggingFaceModel(join(dir, 'model'));
    const rows2 = { prompts: [trained.tokenizer?.encodePrompt('Say hello') ?? []], responses: [[104, 105]] };
    const score = (p: typeof base.policy) => tf.tidy(() => p.doForward(rows2).logps.dataSync()[0] as number);
    expect(trained.policy.lora?.r).toBe(4);
    expect(score(trained.policy)).not.toBe(score(base.policy));
    trained.policy.dispose();
    base.policy.dispose();
  });

  it('asked the judge and the embeddings endpoint with the key from the environment', () => {
    const routes = new Set(run.requests.map((r) => r.route));
    expect(routes).toEqual(new Set(['chat', 'embeddings']));
    expect(run.requests.every((r) => r.headers.authorization === `Bearer ${secret}`)).toBe(true);
  });

  it('never writes the API key into the run directory or the output', () => {
    const files = filesUnder(run.runDirectory);
    expect(files.some((f) => f.endsWith('config.json'))).toBe(true);
    for (const file of files) expect(readFileSync(file).includes(secret), file).toBe(false);
    expect(run.out.includes(secret) || run.err.includes(secret)).toBe(false);
    expect(readFileSync(join(run.runDirectory, 'config.json'), 'utf8')).toContain('"apiKeyEnv": "OWN_MODEL_API_KEY"');
  });
});
