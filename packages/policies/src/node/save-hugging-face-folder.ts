import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PrefplayError } from '@prefplay/core';
import { writeFileAtomic } from '@prefplay/core/node';
import type { HuggingFacePolicy } from '../hugging-face/hugging-face-policy.js';
import { peftAdapterConfig, storedAdapterTensors, storedModelTensors } from '../hugging-face/stored-tensors.js';
import { adapterConfigFileName, adapterWeightsFileName } from './load-hugging-face-model.js';
import { weightsFileName } from './open-model-weights.js';
import { writeSafetensorsFile } from './write-safetensors-file.js';

/** Tokenizer and generation files copied from the source folder when present. */
export const copiedModelFiles = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
  'generation_config.json',
] as const;

export type SaveHuggingFaceFolderOptions = {
  /** The folder the model was loaded from: its tokenizer and generation files are copied. */
  readonly sourceFolder?: string;
  /**
   * For a LoRA policy: write the full model with the adapters merged into the weights (true), or a
   * PEFT adapter folder (false, the default).
   */
  readonly merge?: boolean;
  /** Weight dtype on disk (default F32). */
  readonly dtype?: 'F32' | 'BF16';
  /** `base_model_name_or_path` of a PEFT adapter folder (default: the absolute `sourceFolder`). */
  readonly baseModel?: string;
};

/**
 * Saves a policy as a Hugging Face folder: `config.json` and `model.safetensors` under the names and
 * shapes `save_pretrained` writes (so `transformers` loads it), or for a LoRA policy a PEFT folder
 * (`adapter_config.json` + `adapter_model.safetensors`) unless `merge`; the tokenizer and generation
 * files of `sourceFolder` are copied. Every file is written atomically. Returns the files written.
 */
export async function saveHuggingFaceFolder(
  folder: string,
  policy: HuggingFacePolicy,
  options: SaveHuggingFaceFolderOptions = {},
): Promise<string[]> {
  const target = resolve(folder);
  await mkdir(target, { recursive: true });
  const written: string[] = [];
  const dtype = options.dtype ?? 'F32';
  if (policy.lora && !options.merge) {
    const baseModel =
      options.baseModel ?? (options.sourceFolder !== undefined ? resolve(options.sourceFolder) : undefined);
    if (baseModel === undefined) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: 'a LoRA adapter folder needs the base model it applies to',
        where: { field: 'sourceFolder' },
        hint: 'Pass sourceFolder (the folder the model was loaded from) or baseModel, or save with merge: true',
      });
    }
    await writeFileAtomic(
      join(target, adapterConfigFileName),
      `${JSON.stringify(peftAdapterConfig(policy, baseModel), null, 2)}\n`,
    );
    await writeSafetensorsFile(join(target, adapterWeightsFileName), storedAdapterTensors(policy), { dtype });
    written.push(adapterConfigFileName, adapterWeightsFileName);
  } else {
    const config = { ...policy.config, torch_dtype: dtype === 'BF16' ? 'bfloat16' : 'float32' };
    await writeFileAtomic(join(target, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    await writeSafetensorsFile(join(target, weightsFileName), storedModelTensors(policy, { merge: true }), { dtype });
    written.push('config.json', weightsFileName);
  }
  if (options.sourceFolder !== undefined && resolve(options.sourceFolder) !== target) {
    for (const name of copiedModelFiles) {
      const from = join(options.sourceFolder, name);
      if (!existsSync(from)) continue;
      if (name === 'generation_config.json' && policy.lora && !options.merge) continue;
      await copyFile(from, join(target, name));
      written.push(name);
    }
  }
  return written;
}
