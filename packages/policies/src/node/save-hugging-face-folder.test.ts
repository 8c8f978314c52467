import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertClose, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HuggingFacePolicy } from '../hugging-face/hugging-face-policy.js';
import { loadHuggingFaceModel } from './load-hugging-face-model.js';
import { openModelWeights } from './open-model-weights.js';
import { openSafetensorsFile } from './open-safetensors-file.js';
import { saveHuggingFaceFolder } from './save-hugging-face-folder.js';

const fixtures = fileURLToPath(new URL('../hugging-face/__fixtures__/', import.meta.url));
const rows = {
  prompts: [[1, 5, 7], [2], [3, 4, 9, 11, 6]],
  responses: [[8, 2, 13], [4, 4, 4, 4, 17], [10]],
};
let dir: string;

beforeAll(async () => {
  await useTestBackend();
  dir = mkdtempSync(join(tmpdir(), 'prefplay-hf-save-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const score = (policy: HuggingFacePolicy) => tf.tidy(() => Array.from(policy.doForward(rows).logps.dataSync()));

/** Keys and shapes of a folder's weights, as written by the fixture script with Hugging Face's names. */
async function keysAndShapes(folder: string): Promise<Record<string, readonly number[]>> {
  const source = await openModelWeights(folder);
  const out: Record<string, readonly number[]> = {};
  for (const [name, info] of source.tensors) out[name] = info.shape;
  await source.close();
  return out;
}

describe('saveHuggingFaceFolder', () => {
  it.each([
    'gpt2-tiny',
    'gpt2-tiny-bf16-untied',
    'llama-tiny',
    'llama-tiny-bf16-sharded',
    'qwen2-tiny-f16',
    'mistral-tiny',
  ])('writes %s with Hugging Face keys and shapes; loading it again scores identically', async (name) => {
    const { policy, folder } = await loadHuggingFaceModel(`${fixtures}${name}`);
    const out = join(dir, name);
    const written = await saveHuggingFaceFolder(out, policy, { sourceFolder: folder });
    expect(written).toEqual(
      expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']),
    );
    // Same tensors as the folder the fixture script wrote (GPT2LMHeadModel names carry the
    // `transformer.` prefix; old causal-mask buffers are not weights and are not written).
    const original = await keysAndShapes(`${fixtures}${name}`);
    const expected = Object.fromEntries(
      Object.entries(original)
        .filter(([key]) => !/\.attn\.bias$/.test(key))
        .map(([key, shape]) => [
          name.startsWith('gpt2') && !key.startsWith('transformer.') && key !== 'lm_head.weight'
            ? `transformer.${key}`
            : key,
          shape,
        ]),
    );
    expect(await keysAndShapes(out)).toEqual(expected);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.torch_dtype).toBe('float32');
    const again = await loadHuggingFaceModel(out);
    expect(score(again.policy)).toEqual(score(policy));
    expect(again.tokenizer?.encode('Hello world')).toEqual(
      (await loadHuggingFaceModel(`${fixtures}${name}`)).tokenizer?.encode('Hello world'),
    );
    policy.dispose();
    again.policy.dispose();
  });

  it('round-trips BF16 weights exactly', async () => {
    const { policy, folder } = await loadHuggingFaceModel(`${fixtures}llama-tiny-bf16-sharded`);
    const out = join(dir, 'bf16');
    await saveHuggingFaceFolder(out, policy, { sourceFolder: folder, dtype: 'BF16' });
    const source = await openModelWeights(out);
    expect([...source.tensors.values()].every((t) => t.dtype === 'BF16')).toBe(true);
    await source.close();
    const again = await loadHuggingFaceModel(out);
    expect(score(again.policy)).toEqual(score(policy));
    policy.dispose();
    again.policy.dispose();
  });

  it('writes LoRA adapters in PEFT layout, loads them back exactly, and merges on request', async () => {
    const { policy, folder } = await loadHuggingFaceModel(`${fixtures}llama-tiny`, {
      lora: { r: 2, alpha: 4, targetModules: ['q_proj', 'down_proj'] },
    });
    // Train one step so the adapters are not at their initial values.
    const optimizer = tf.train.sgd(0.05);
    optimizer.minimize(() => tf.neg(tf.sum(policy.doForward(rows).logps)) as tf.Scalar, false, [
      ...policy.trainableVariables(),
    ] as tf.Variable[]);
    optimizer.dispose();
    const out = join(dir, 'adapter');
    const written = await saveHuggingFaceFolder(out, policy, { sourceFolder: folder });
    expect(written).toEqual(expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors']));
    expect(existsSync(join(out, 'config.json'))).toBe(false);
    const adapterConfig = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    expect(adapterConfig).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 2,
      lora_alpha: 4,
      lora_dropout: 0,
      target_modules: ['q_proj', 'down_proj'],
      bias: 'none',
      fan_in_fan_out: false,
      base_model_name_or_path: folder,
    });
    const adapterWeights = await openSafetensorsFile(join(out, 'adapter_model.safetensors'));
    expect(Object.fromEntries([...adapterWeights.tensors].map(([k, v]) => [k, v.shape]))).toEqual({
      'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': [2, 16],
      'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': [16, 2],
      'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight': [2, 40],
      'base_model.model.model.layers.0.mlp.down_proj.lora_B.weight': [16, 2],
      'base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight': [2, 16],
      'base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight': [16, 2],
      'base_model.model.model.layers.1.mlp.down_proj.lora_A.weight': [2, 40],
      'base_model.model.model.layers.1.mlp.down_proj.lora_B.weight': [16, 2],
    });
    await adapterWeights.close();
    const reference = score(policy);
    // The adapter folder alone finds its base; or the base plus an explicit adapter.
    const fromAdapter = await loadHuggingFaceModel(out);
    expect(fromAdapter.folder).toBe(folder);
    expect(fromAdapter.adapterFolder).toBe(out);
    expect(score(fromAdapter.policy)).toEqual(reference);
    const explicit = await loadHuggingFaceModel(folder, { adapter: out });
    expect(score(explicit.policy)).toEqual(reference);
    const merged = join(dir, 'merged');
    await saveHuggingFaceFolder(merged, policy, { sourceFolder: folder, merge: true });
    const plain = await loadHuggingFaceModel(merged);
    expect(plain.policy.lora).toBeUndefined();
    assertClose(score(plain.policy), reference, { atol: 1e-4, rtol: 1e-5 });
    for (const p of [policy, fromAdapter.policy, explicit.policy, plain.policy]) p.dispose();
  });
});
