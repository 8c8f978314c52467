import { resolve } from 'node:path';
import { PrefplayError } from '@prefplay/core';
import type { HuggingFaceTokenizer, Prompt } from '@prefplay/policies';
import { type LoadedHuggingFaceModel, loadHuggingFaceModel } from '@prefplay/policies/node';
import { z } from 'zod';
import type { CliIo } from './command.js';

/** A prompt in an input row: text, or chat messages for the model's chat template. */
export const promptSchema = z.union([
  z.string(),
  z.array(z.strictObject({ role: z.string().min(1), content: z.string() })).min(1),
]);

/** Loads the Hugging Face model folder given to `--model` (and `--adapter`), frozen, for scoring or sampling. */
export async function loadModelFolder(
  io: CliIo,
  model: string | undefined,
  adapter: string | undefined,
  command: string,
): Promise<LoadedHuggingFaceModel & { readonly tokenizer: HuggingFaceTokenizer }> {
  if (model === undefined) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `${command} needs --model DIR, a Hugging Face model folder`,
      where: { field: '--model' },
      hint: 'Download the model first (config.json, model.safetensors, tokenizer.json, tokenizer_config.json)',
    });
  }
  const loaded = await loadHuggingFaceModel(resolve(io.cwd, model), {
    trainable: false,
    ...(adapter !== undefined ? { adapter: resolve(io.cwd, adapter) } : {}),
  });
  io.stderr(
    `loaded ${loaded.policy.architecture.modelType} model from ${loaded.folder}${loaded.adapterFolder ? ` with the adapter ${loaded.adapterFolder}` : ''} (${loaded.policy.numParameters} parameters, context ${loaded.policy.maxSequenceLength})\n`,
  );
  if (loaded.unusedTensors.length > 0) {
    io.stderr(
      `warning: ${loaded.unusedTensors.length} stored tensors are not used: ${loaded.unusedTensors.slice(0, 5).join(', ')}\n`,
    );
  }
  return loaded as LoadedHuggingFaceModel & { readonly tokenizer: HuggingFaceTokenizer };
}

/** A row's prompt tokens, with the file and line in any error. */
export function encodeRowPrompt(tokenizer: HuggingFaceTokenizer, prompt: Prompt, file: string, line: number): number[] {
  try {
    return tokenizer.encodePrompt(prompt);
  } catch (error) {
    if (!PrefplayError.isInstance(error)) throw error;
    throw new PrefplayError({
      code: error.code,
      problem: error.problem,
      where: { file, line, field: 'prompt' },
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
      cause: error,
    });
  }
}
