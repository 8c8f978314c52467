import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { PrefplayError } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { generationEosTokenIds } from '../hugging-face/generation-eos-token-ids.js';
import {
  checkStoredShape,
  type HuggingFacePolicy,
  loadHuggingFacePolicy,
  missingWeight,
  toInternalLayout,
} from '../hugging-face/hugging-face-policy.js';
import { createHuggingFaceTokenizer, type HuggingFaceTokenizer } from '../hugging-face/hugging-face-tokenizer.js';
import type { LoraOptions } from '../hugging-face/lora-options.js';
import { parseModelArchitecture } from '../hugging-face/model-architecture.js';
import { ignoredTensorPattern } from '../hugging-face/model-layout.js';
import { peftKey } from '../hugging-face/stored-tensors.js';
import { openModelWeights } from './open-model-weights.js';
import { openSafetensorsFile } from './open-safetensors-file.js';

/** File names of a PEFT adapter folder. */
export const adapterConfigFileName = 'adapter_config.json';
export const adapterWeightsFileName = 'adapter_model.safetensors';

export type LoadHuggingFaceModelOptions = {
  /** Add fresh LoRA adapters (or, for an adapter folder, the settings are read from it). */
  readonly lora?: LoraOptions;
  /** A PEFT adapter folder (adapter_config.json + adapter_model.safetensors) to load onto the model. */
  readonly adapter?: string;
  readonly trainable?: boolean;
  readonly policyId?: string;
  readonly seed?: number;
  /** Whether the folder must have a tokenizer (default true). */
  readonly requireTokenizer?: boolean;
};

/** A model folder loaded: the policy, its tokenizer and what was read. */
export type LoadedHuggingFaceModel = {
  readonly policy: HuggingFacePolicy;
  readonly tokenizer: HuggingFaceTokenizer | undefined;
  /** Absolute path of the base model folder. */
  readonly folder: string;
  /** Absolute path of the adapter folder, when one was loaded. */
  readonly adapterFolder: string | undefined;
  /** Stored tensors that are neither weights of the architecture nor known buffers. */
  readonly unusedTensors: readonly string[];
  readonly generationConfig: Readonly<Record<string, unknown>> | undefined;
};

async function readJson(path: string, required: boolean, what: string): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(path)) {
    if (!required) return undefined;
    throw new PrefplayError({
      code: 'invalid-checkpoint',
      problem: `the folder has no ${what}`,
      where: { file: path },
      hint: 'A Hugging Face model folder holds config.json, model.safetensors (or its index and shards), tokenizer.json and tokenizer_config.json; download the whole folder',
    });
  }
  const text = await readFile(path, 'utf8');
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const line = position?.[1] !== undefined ? text.slice(0, Number(position[1])).split('\n').length : undefined;
    throw new PrefplayError({
      code: 'invalid-checkpoint',
      problem: `${what} is not a valid JSON object (${message})`,
      where: line !== undefined ? { file: path, line } : { file: path },
      hint: 'Download the file again',
      cause: error,
    });
  }
}

function checkFolder(folder: string, flag: string): void {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: existsSync(folder) ? `${flag} is not a folder` : `${flag} does not exist`,
      where: { file: folder },
      hint: 'Pass the folder of a Hugging Face model (with config.json and model.safetensors), downloaded beforehand',
    });
  }
}

/** The base model a PEFT adapter folder names, resolved to a local folder. */
function adapterBase(adapterFolder: string, config: Record<string, unknown>): string {
  const base = config.base_model_name_or_path;
  const candidate = typeof base === 'string' ? (isAbsolute(base) ? base : resolve(adapterFolder, base)) : undefined;
  if (candidate === undefined || !existsSync(join(candidate, 'config.json'))) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `the adapter's base model ${JSON.stringify(base)} is not a local model folder`,
      where: { file: join(adapterFolder, adapterConfigFileName), field: 'base_model_name_or_path' },
      hint: 'Pass the base model folder as the model and this folder as the adapter (prefplay never downloads)',
    });
  }
  return candidate;
}

/** LoRA options from a PEFT `adapter_config.json`. */
function loraFromAdapterConfig(config: Record<string, unknown>, file: string): LoraOptions {
  if (config.peft_type !== 'LORA') {
    throw new PrefplayError({
      code: 'unsupported',
      problem: `peft_type ${JSON.stringify(config.peft_type)} is not supported`,
      where: { file, field: 'peft_type' },
      hint: 'prefplay loads LoRA adapters (peft_type LORA)',
    });
  }
  for (const [field, ok] of [
    ['use_dora', config.use_dora !== true],
    ['use_rslora', config.use_rslora !== true],
    ['bias', config.bias === undefined || config.bias === 'none'],
  ] as const) {
    if (!ok) {
      throw new PrefplayError({
        code: 'unsupported',
        problem: `${field} ${JSON.stringify(config[field])} is not supported`,
        where: { file, field },
        hint: 'prefplay loads plain LoRA adapters (no DoRA, no rsLoRA, bias "none")',
      });
    }
  }
  const targets = config.target_modules;
  return {
    r: config.r as number,
    alpha: config.lora_alpha as number,
    dropout: (config.lora_dropout as number | undefined) ?? 0,
    ...(targets !== undefined && targets !== null ? { targetModules: targets as string[] | string } : {}),
  };
}

/**
 * Loads a Hugging Face model folder from disk (never from a hub): `config.json`, the safetensors
 * weights (single file or sharded index), `tokenizer.json` + `tokenizer_config.json` (+ optional
 * `chat_template.jinja`), optional `generation_config.json`. Weights are read one tensor at a time
 * into tfjs variables. A folder holding only a PEFT adapter (`adapter_config.json`) loads its local
 * base model with the adapter; `options.adapter` names an adapter folder explicitly. The policy
 * stops responses at every end token of the folder (the tokenizer's `eosTokenIds`: its `eos_token`,
 * then `generation_config.json`'s `eos_token_id`, else `config.json`'s).
 */
export async function loadHuggingFaceModel(
  modelFolder: string,
  options: LoadHuggingFaceModelOptions = {},
): Promise<LoadedHuggingFaceModel> {
  let folder = resolve(modelFolder);
  checkFolder(folder, 'the model folder');
  let adapterFolder = options.adapter !== undefined ? resolve(options.adapter) : undefined;
  if (
    adapterFolder === undefined &&
    !existsSync(join(folder, 'config.json')) &&
    existsSync(join(folder, adapterConfigFileName))
  ) {
    adapterFolder = folder;
  }
  let lora = options.lora;
  if (adapterFolder !== undefined) {
    checkFolder(adapterFolder, 'the adapter folder');
    const adapterConfigPath = join(adapterFolder, adapterConfigFileName);
    const adapterConfig = (await readJson(adapterConfigPath, true, adapterConfigFileName)) as Record<string, unknown>;
    if (adapterFolder === folder) folder = adapterBase(adapterFolder, adapterConfig);
    lora = {
      ...loraFromAdapterConfig(adapterConfig, adapterConfigPath),
      ...(options.lora?.seed !== undefined ? { seed: options.lora.seed } : {}),
    };
  }
  const configPath = join(folder, 'config.json');
  const config = (await readJson(configPath, true, 'config.json')) as Record<string, unknown>;
  // config.json's own errors (model_type, eos_token_id, ...) come before the other files'.
  parseModelArchitecture(config, configPath);
  const tokenizerJson = await readJson(
    join(folder, 'tokenizer.json'),
    options.requireTokenizer ?? true,
    'tokenizer.json',
  );
  const tokenizerConfig = await readJson(join(folder, 'tokenizer_config.json'), false, 'tokenizer_config.json');
  const generationConfigPath = join(folder, 'generation_config.json');
  const generationConfig = await readJson(generationConfigPath, false, 'generation_config.json');
  const templatePath = join(folder, 'chat_template.jinja');
  const chatTemplate = existsSync(templatePath) ? await readFile(templatePath, 'utf8') : undefined;
  const tokenizer = tokenizerJson
    ? createHuggingFaceTokenizer({
        tokenizer: tokenizerJson,
        tokenizerConfig,
        generationConfig,
        generationConfigFile: generationConfigPath,
        modelConfig: config,
        modelConfigFile: configPath,
        ...(chatTemplate !== undefined ? { chatTemplate } : {}),
        where: join(folder, 'tokenizer.json'),
      })
    : undefined;
  // The decoder stops at every end token: the tokenizer's EOS (a chat model's end of turn) and the
  // eos_token_id list of generation_config.json, else of config.json.
  const eosTokenIds = tokenizer
    ? tokenizer.eosTokenIds
    : generationEosTokenIds({
        generationConfig,
        generationConfigFile: generationConfigPath,
        modelConfig: config,
        modelConfigFile: configPath,
      });

  const source = await openModelWeights(folder);
  const used = new Set<string>();
  let policy: HuggingFacePolicy;
  try {
    policy = await loadHuggingFacePolicy({
      config,
      configFile: configPath,
      ...(lora !== undefined ? { lora } : {}),
      ...(options.trainable !== undefined ? { trainable: options.trainable } : {}),
      ...(options.policyId !== undefined ? { policyId: options.policyId } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(eosTokenIds.length > 0 ? { eosTokenId: eosTokenIds } : {}),
      read: async (spec) => {
        const key = [spec.name, ...spec.aliases].find((k) => source.tensors.has(k));
        if (key === undefined) missingWeight(spec, folder);
        const info = source.tensors.get(key)!;
        checkStoredShape(spec, key, info.shape, info.file);
        used.add(key);
        return source.read(key);
      },
    });
  } finally {
    await source.close();
  }
  if (tokenizer && tokenizer.vocabularySize > policy.vocabSize) {
    policy.dispose();
    throw new PrefplayError({
      code: 'invalid-checkpoint',
      problem: `the tokenizer has ids up to ${tokenizer.vocabularySize - 1} but the model's vocab_size is ${policy.vocabSize}`,
      where: { file: join(folder, 'tokenizer.json') },
      hint: 'The tokenizer belongs to another model; use the one from the model folder',
    });
  }
  if (adapterFolder !== undefined) {
    try {
      await loadAdapterWeights(policy, join(adapterFolder, adapterWeightsFileName));
    } catch (error) {
      policy.dispose();
      throw error;
    }
  }
  const unusedTensors = [...source.tensors.keys()].filter((k) => !used.has(k) && !ignoredTensorPattern.test(k));
  return { policy, tokenizer, folder, adapterFolder, unusedTensors, generationConfig };
}

/** Reads PEFT adapter weights (`lora_A` `[r, in]`, `lora_B` `[out, r]`) into a LoRA policy's adapters. */
async function loadAdapterWeights(policy: HuggingFacePolicy, path: string): Promise<void> {
  const source = await openSafetensorsFile(path);
  try {
    const values = new Map<tf.Variable, Float32Array>();
    for (const [module, adapter] of policy.adapters) {
      for (const [matrix, variable] of [
        ['A', adapter.a],
        ['B', adapter.b],
      ] as const) {
        const key = peftKey(module, matrix);
        const info = source.tensors.get(key) ?? source.tensors.get(key.replace('.weight', '.default.weight'));
        const [rows, cols] = [variable.shape[1] as number, variable.shape[0] as number];
        if (!info) {
          throw new PrefplayError({
            code: 'invalid-checkpoint',
            problem: `adapter tensor "${key}" is missing`,
            where: { file: path, field: key },
            hint: 'The adapter was trained for other target modules; check adapter_config.json',
          });
        }
        checkStoredShape(
          { name: key, aliases: [], shape: variable.shape, storedShape: [rows, cols], transposed: true, init: 'zeros' },
          info.name,
          info.shape,
          path,
        );
        values.set(
          variable,
          toInternalLayout(
            {
              name: key,
              aliases: [],
              shape: variable.shape,
              storedShape: [rows, cols],
              transposed: true,
              init: 'zeros',
            },
            await source.read(info.name),
          ),
        );
      }
    }
    for (const [variable, data] of values) {
      const fresh = tf.tensor(data, variable.shape, 'float32');
      variable.assign(fresh);
      fresh.dispose();
    }
  } finally {
    await source.close();
  }
}
