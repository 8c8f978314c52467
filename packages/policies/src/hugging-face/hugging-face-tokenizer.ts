import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { PrefplayError } from '@prefplay/core';
import { generationEosTokenIds } from './generation-eos-token-ids.js';

/** One chat message, as chat templates read them. */
export type ChatMessage = { readonly role: string; readonly content: string };

/** A row's prompt: plain text, or chat messages rendered with the tokenizer's chat template. */
export type Prompt = string | readonly ChatMessage[];

/**
 * A Hugging Face tokenizer (`tokenizer.json`) with its special tokens and chat template, and the
 * tokenisation convention prefplay scores and samples with (see the package README).
 */
export type HuggingFaceTokenizer = {
  /** One more than the largest token id of `tokenizer.json` (added tokens included). */
  readonly vocabularySize: number;
  readonly bosTokenId: number | undefined;
  /** The token that ends a response (the chat template's end-of-turn when it has one). */
  readonly eosTokenId: number | undefined;
  /**
   * Every token that ends a response: `eosTokenId` first, then the `eos_token_id` list of
   * `generation_config.json` (else of `config.json`); samplers stop at any of them.
   */
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number | undefined;
  readonly chatTemplate: string | undefined;
  /** Encodes text; `addSpecialTokens` (default true) runs the post-processor (e.g. Llama's BOS). */
  encode(text: string, options?: { readonly addSpecialTokens?: boolean }): number[];
  /** Decodes ids; special tokens are dropped unless `skipSpecialTokens: false`. */
  decode(ids: readonly number[], options?: { readonly skipSpecialTokens?: boolean }): string;
  /** Renders chat messages with the chat template (`addGenerationPrompt` default true). */
  applyChatTemplate(messages: readonly ChatMessage[], options?: { readonly addGenerationPrompt?: boolean }): string;
  /**
   * A prompt's tokens: a string with the tokenizer's special tokens; messages rendered with the
   * chat template and `add_generation_prompt`, then encoded without adding special tokens (the
   * template writes them).
   */
  encodePrompt(prompt: Prompt): number[];
  /** A response's tokens: encoded without special tokens; EOS appended when `addEos`. */
  encodeResponse(text: string, options?: { readonly addEos?: boolean }): number[];
};

export type HuggingFaceTokenizerFiles = {
  /** The `tokenizer.json` object. */
  readonly tokenizer: unknown;
  /** The `tokenizer_config.json` object (special tokens, chat template). */
  readonly tokenizerConfig?: unknown;
  /** The `generation_config.json` object (end tokens). */
  readonly generationConfig?: unknown;
  /** Where `generationConfig` came from, for errors (default `generation_config.json`). */
  readonly generationConfigFile?: string;
  /** The model's `config.json` object (fallback BOS/EOS ids; its `vocab_size` bounds the EOS ids). */
  readonly modelConfig?: unknown;
  /** Where `modelConfig` came from, for errors (default `config.json`). */
  readonly modelConfigFile?: string;
  /** A chat template that overrides `tokenizer_config.json`'s (e.g. from `chat_template.jinja`). */
  readonly chatTemplate?: string;
  /** Folder or file names for errors. */
  readonly where?: string;
};

type Json = Record<string, unknown>;

/**
 * The part of `@huggingface/tokenizers`' `Tokenizer` used here, typed locally: the package's
 * declaration files use extensionless relative imports, which `NodeNext` resolution cannot follow.
 */
type TokenizerInstance = {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  token_to_id(token: string): number | undefined;
  get_vocab(withAddedTokens?: boolean): Map<string, number>;
};
const TokenizerClass = Tokenizer as unknown as new (tokenizer: object, config: object) => TokenizerInstance;

function asObject(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

/** A special token as `tokenizer_config.json` writes it: a string or an AddedToken object. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const content = asObject(value).content;
  return typeof content === 'string' ? content : undefined;
}

function idList(value: unknown): number[] {
  if (Number.isInteger(value)) return [value as number];
  if (Array.isArray(value)) return value.filter((v): v is number => Number.isInteger(v));
  return [];
}

function chatTemplateOf(config: Json): string | undefined {
  const template = config.chat_template;
  if (typeof template === 'string') return template;
  if (Array.isArray(template)) {
    const named = template.map(asObject);
    const chosen = named.find((t) => t.name === 'default') ?? named[0];
    return typeof chosen?.template === 'string' ? chosen.template : undefined;
  }
  return undefined;
}

/**
 * Builds a tokenizer from the objects of a model folder's `tokenizer.json`, `tokenizer_config.json`
 * and `generation_config.json` with `@huggingface/tokenizers` (byte-level BPE, SentencePiece-style
 * and WordPiece models, no network) and `@huggingface/jinja` for chat templates.
 */
export function createHuggingFaceTokenizer(files: HuggingFaceTokenizerFiles): HuggingFaceTokenizer {
  const where = files.where ?? 'tokenizer.json';
  const config = asObject(files.tokenizerConfig);
  let tokenizer: TokenizerInstance;
  try {
    tokenizer = new TokenizerClass(files.tokenizer as object, config);
  } catch (error) {
    throw new PrefplayError({
      code: 'invalid-checkpoint',
      problem: `the tokenizer cannot be built (${(error as Error).message})`,
      where: { file: where },
      hint: 'Use the tokenizer.json the model was published with',
      cause: error,
    });
  }
  const idOf = (field: string): number | undefined => {
    const content = tokenContent(config[field]);
    return content === undefined ? undefined : tokenizer.token_to_id(content);
  };
  const generation = asObject(files.generationConfig);
  const model = asObject(files.modelConfig);
  const bosTokenId = idOf('bos_token') ?? idList(generation.bos_token_id)[0] ?? idList(model.bos_token_id)[0];
  const configEos = idOf('eos_token');
  const eosTokenIds = [
    ...new Set([
      ...(configEos !== undefined ? [configEos] : []),
      ...generationEosTokenIds({
        generationConfig: files.generationConfig,
        modelConfig: files.modelConfig,
        ...(files.generationConfigFile !== undefined ? { generationConfigFile: files.generationConfigFile } : {}),
        ...(files.modelConfigFile !== undefined ? { modelConfigFile: files.modelConfigFile } : {}),
      }),
    ]),
  ];
  const eosTokenId = eosTokenIds[0];
  const padTokenId = idOf('pad_token');
  let vocabularySize = 0;
  for (const id of tokenizer.get_vocab(true).values()) vocabularySize = Math.max(vocabularySize, id + 1);
  const chatTemplate = files.chatTemplate ?? chatTemplateOf(config);
  let template: Template | undefined;
  const specialStrings: Record<string, string> = {};
  for (const field of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
    const content = tokenContent(config[field]);
    if (content !== undefined) specialStrings[field] = content;
  }

  const encode = (text: string, options: { readonly addSpecialTokens?: boolean } = {}): number[] =>
    tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;

  const applyChatTemplate = (
    messages: readonly ChatMessage[],
    options: { readonly addGenerationPrompt?: boolean } = {},
  ): string => {
    if (chatTemplate === undefined) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: 'the prompt is a list of chat messages but the tokenizer has no chat template',
        where: { file: where, field: 'chat_template' },
        hint: 'Give prompts as strings, or use a model whose tokenizer_config.json has a chat_template',
      });
    }
    try {
      template ??= new Template(chatTemplate);
      return template.render({
        ...specialStrings,
        messages: messages.map((m) => ({ ...m })),
        add_generation_prompt: options.addGenerationPrompt ?? true,
      });
    } catch (error) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `the chat template failed: ${(error as Error).message}`,
        where: { file: where, field: 'chat_template' },
        hint: 'Check the messages (roles and order) against what the model’s chat template accepts',
        cause: error,
      });
    }
  };

  return {
    vocabularySize,
    bosTokenId,
    eosTokenId,
    eosTokenIds,
    padTokenId,
    chatTemplate,
    encode,
    decode: (ids, options = {}) =>
      tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? true }),
    applyChatTemplate,
    encodePrompt(prompt) {
      if (typeof prompt === 'string') return encode(prompt);
      return encode(applyChatTemplate(prompt, { addGenerationPrompt: true }), { addSpecialTokens: false });
    },
    encodeResponse(text, options = {}) {
      const ids = encode(text, { addSpecialTokens: false });
      if (options.addEos) {
        if (eosTokenId === undefined) {
          throw new PrefplayError({
            code: 'invalid-input',
            problem: 'an EOS token was asked for but the tokenizer files name none',
            where: { file: where, field: 'eos_token' },
            hint: 'Set eos_token in tokenizer_config.json, or do not append EOS',
          });
        }
        ids.push(eosTokenId);
      }
      return ids;
    },
  };
}
