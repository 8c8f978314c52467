import {
  type AiSdkEncoder,
  type AiSdkJudge,
  aiSdkEncoder,
  aiSdkEncoderOptionsSchema,
  aiSdkJudge,
  aiSdkJudgeOptionsSchema,
} from '@prefplay/ai-sdk';
import { type ComponentContextV1, definePlugin, parseOptions } from '@prefplay/core';
import type { EmbeddingModel, LanguageModel } from 'ai';
import { z } from 'zod';
import { embeddingModelOf, languageModelOf, modelChoiceSchema } from './model-choice.js';

/**
 * Options of the oracle `ai-sdk-judge`: the model, and the JSON options of `aiSdkJudge` (with
 * their defaults from `aiSdkJudgeOptionsSchema`).
 */
export const judgeComponentOptionsSchema = z.strictObject({
  model: modelChoiceSchema,
  ...aiSdkJudgeOptionsSchema.pick({
    systemPrompt: true,
    userTemplate: true,
    temperature: true,
    maxOutputTokens: true,
    topLogprobs: true,
    seed: true,
    providerOptions: true,
    maxRetries: true,
    concurrency: true,
    maxUnreadableFraction: true,
    oracleId: true,
  }).shape,
});

/**
 * Options of the encoder `ai-sdk-encoder`: the model, and the JSON options of `aiSdkEncoder` (with
 * their defaults from `aiSdkEncoderOptionsSchema`).
 */
export const encoderComponentOptionsSchema = z.strictObject({
  model: modelChoiceSchema,
  ...aiSdkEncoderOptionsSchema.pick({
    batchSize: true,
    concurrency: true,
    maxRetries: true,
    providerOptions: true,
    encoderId: true,
  }).shape,
});

export type JudgeComponentOptions = z.input<typeof judgeComponentOptionsSchema>;
export type EncoderComponentOptions = z.input<typeof encoderComponentOptionsSchema>;

/** A component this plugin built, with its AI SDK model (the judge's and encoder's `stats` count their calls). */
export type CreatedComponent =
  | { readonly kind: 'oracle'; readonly where: string; readonly judge: AiSdkJudge; readonly model: LanguageModel }
  | {
      readonly kind: 'encoder';
      readonly where: string;
      readonly encoder: AiSdkEncoder;
      readonly model: EmbeddingModel;
    };

/**
 * Every judge and encoder built in this process, in order (`prefplay train` builds one of each per
 * seed and method), so that code running `prefplay train` in-process can read how they were called.
 */
export const createdComponents: CreatedComponent[] = [];

const hint =
  'Fix the field named above. "model" is { provider: task-mock } or { provider: openai, id, apiKeyEnv, baseURL }; ' +
  'an API key is read from the environment variable named by apiKeyEnv, never from the config';

function parse<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  context: ComponentContextV1,
): z.output<Schema> {
  return parseOptions(schema, input ?? {}, { what: `${context.where} options`, code: 'invalid-config', hint });
}

/**
 * A prefplay plugin with the oracle `ai-sdk-judge` (`aiSdkJudge` over an AI SDK language model) and
 * the encoder `ai-sdk-encoder` (`aiSdkEncoder` over an AI SDK embedding model), each configured by
 * `{ model, ...options }` in the config file.
 */
export const aiSdkJudgePlugin = definePlugin({
  name: 'ai-sdk-judge',
  oracles: {
    'ai-sdk-judge': (input, context) => {
      const { model: choice, ...options } = parse(judgeComponentOptionsSchema, input, context);
      const model = languageModelOf(choice, context);
      const judge = aiSdkJudge({ ...options, model });
      createdComponents.push({ kind: 'oracle', where: context.where, judge, model });
      return judge;
    },
  },
  encoders: {
    'ai-sdk-encoder': (input, context) => {
      const { model: choice, ...options } = parse(encoderComponentOptionsSchema, input, context);
      const model = embeddingModelOf(choice, context);
      const encoder = aiSdkEncoder({ ...options, model });
      createdComponents.push({ kind: 'encoder', where: context.where, encoder, model });
      return encoder;
    },
  },
});
