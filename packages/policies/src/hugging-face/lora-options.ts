import { PrefplayError, parseOptions } from '@prefplay/core';
import { z } from 'zod';
import type { SupportedModelType } from './model-architecture.js';
import type { LinearModule } from './model-layout.js';

/** PEFT's default `target_modules` per model type (`TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING`). */
export const defaultLoraTargets: Readonly<Record<SupportedModelType, readonly string[]>> = Object.freeze({
  gpt2: ['c_attn'],
  llama: ['q_proj', 'v_proj'],
  qwen2: ['q_proj', 'v_proj'],
  mistral: ['q_proj', 'v_proj'],
});

/** Options of LoRA adapters (names and defaults as PEFT's `LoraConfig`). */
export const loraOptionsSchema = z.strictObject({
  /** Rank of each adapter (PEFT `r`). */
  r: z.number().int().min(1).default(8),
  /** Scale numerator: the adapter adds `(alpha / r)·x·A·B` (PEFT `lora_alpha`). */
  alpha: z.number().positive().default(8),
  /** Dropout on the adapter's input while gradients are recorded (PEFT `lora_dropout`). */
  dropout: z.number().min(0).lt(1).default(0),
  /**
   * Linear layers to adapt, as PEFT's `target_modules`: a list of names, each matching a module
   * whose path equals it or ends with `.name`; or one string, a regular expression the whole
   * module path must match; or `all-linear` (every linear layer except the output head). Default:
   * PEFT's default for the model type (`c_attn` for GPT-2, `q_proj` and `v_proj` for Llama).
   */
  targetModules: z.union([z.array(z.string().min(1)).min(1), z.string().min(1)]).optional(),
  /** Seed of `A`'s initialisation and of dropout masks. */
  seed: z.number().int().default(0),
});

export type LoraOptions = z.input<typeof loraOptionsSchema>;

/** LoRA options with every default filled in and the adapted modules resolved. */
export type ResolvedLora = {
  readonly r: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly targetModules: readonly string[] | string;
  readonly seed: number;
  /** Full paths of the adapted modules, in model order. */
  readonly modules: readonly string[];
};

/** Parses LoRA options and resolves which of the model's linear layers they adapt. */
export function resolveLora(
  options: LoraOptions,
  modelType: SupportedModelType,
  linears: readonly LinearModule[],
  context: { readonly fieldPrefix?: string; readonly file?: string } = {},
): ResolvedLora {
  const parsed = parseOptions(loraOptionsSchema, options, {
    what: 'LoRA options',
    ...(context.fieldPrefix !== undefined ? { fieldPrefix: context.fieldPrefix } : {}),
    ...(context.file !== undefined ? { file: context.file } : {}),
  });
  const targets = parsed.targetModules ?? [...defaultLoraTargets[modelType]];
  let matches: (module: string) => boolean;
  if (targets === 'all-linear') matches = () => true;
  else if (typeof targets === 'string') {
    let pattern: RegExp;
    try {
      pattern = new RegExp(`^(?:${targets})$`);
    } catch (error) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: `targetModules ${JSON.stringify(targets)} is not a valid regular expression (${(error as Error).message})`,
        where: { field: `${context.fieldPrefix ? `${context.fieldPrefix}.` : ''}targetModules` },
        hint: 'Pass a list of module names such as ["q_proj", "v_proj"], or a valid regular expression',
      });
    }
    matches = (module) => pattern.test(module);
  } else {
    matches = (module) => targets.some((t) => module === t || module.endsWith(`.${t}`));
  }
  const modules = linears.filter((l) => matches(l.module)).map((l) => l.module);
  if (modules.length === 0) {
    const names = [...new Set(linears.map((l) => l.shortName))];
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `LoRA targetModules ${JSON.stringify(targets)} match no linear layer of this ${modelType} model`,
      where: { field: `${context.fieldPrefix ? `${context.fieldPrefix}.` : ''}targetModules` },
      hint: `Its linear layers are named ${names.join(', ')} (e.g. ${linears[0]?.module ?? ''})`,
    });
  }
  return {
    r: parsed.r,
    alpha: parsed.alpha,
    dropout: parsed.dropout,
    targetModules: targets,
    seed: parsed.seed,
    modules,
  };
}
