import { parseEosTokenIds } from '@prefplay/core';

/** The config objects of a model folder that name its end-of-sequence tokens, with their file names for errors. */
export type GenerationEosFiles = {
  /** The `generation_config.json` object. */
  readonly generationConfig?: unknown;
  /** Where it came from (default `generation_config.json`). */
  readonly generationConfigFile?: string;
  /** The `config.json` object (its `vocab_size` bounds every id). */
  readonly modelConfig?: unknown;
  /** Where it came from (default `config.json`). */
  readonly modelConfigFile?: string;
};

function field(config: unknown, key: string): unknown {
  return config !== null && typeof config === 'object' && !Array.isArray(config)
    ? (config as Record<string, unknown>)[key]
    : undefined;
}

/**
 * The tokens Hugging Face generation stops at: `generation_config.json`'s `eos_token_id` when it
 * has one, else `config.json`'s (one id or a list, e.g. Llama 3's `[128001, 128009]`); empty when
 * neither names any. Every id must be a non-negative integer below `config.json`'s `vocab_size`,
 * and a list must not be empty: otherwise an `invalid-config` error names the file and the field.
 */
export function generationEosTokenIds(files: GenerationEosFiles): number[] {
  const size = field(files.modelConfig, 'vocab_size');
  const vocabSize = typeof size === 'number' && Number.isInteger(size) && size > 0 ? size : undefined;
  const read = (config: unknown, file: string) =>
    parseEosTokenIds(field(config, 'eos_token_id'), {
      what: file.split(/[\\/]/).pop() ?? file,
      field: 'eos_token_id',
      file,
      ...(vocabSize !== undefined ? { vocabSize } : {}),
      code: 'invalid-config',
      hint: `eos_token_id must be one token id or a non-empty list of token ids${vocabSize !== undefined ? ` below vocab_size ${vocabSize}` : ''}; fix the file or download it again`,
    });
  return (
    read(files.generationConfig, files.generationConfigFile ?? 'generation_config.json') ??
    read(files.modelConfig, files.modelConfigFile ?? 'config.json') ??
    []
  );
}
