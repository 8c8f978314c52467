import { createOpenAI, type OpenAIProvider } from '@ai-sdk/openai';
import { type ComponentContextV1, PrefplayError } from '@prefplay/core';
import type { EmbeddingModel, LanguageModel } from 'ai';
import { z } from 'zod';
import { taskEmbeddingModel } from './task-embedding-model.js';
import { taskJudgeModel } from './task-judge-model.js';
import { taskOf } from './task-of.js';

/**
 * Which AI SDK model a component uses, as a config file writes it: `task-mock` (the AI SDK's test
 * doubles answering from the synthetic task, no network) or `openai` (`@ai-sdk/openai`, chat models
 * for the judge, embedding models for the encoder). An API key is never part of it: `apiKeyEnv`
 * names the environment variable that holds it.
 */
export const modelChoiceSchema = z.discriminatedUnion('provider', [
  z.strictObject({ provider: z.literal('task-mock') }),
  z.strictObject({
    provider: z.literal('openai'),
    /** The model id, e.g. `gpt-4o-mini` (judge) or `text-embedding-3-small` (encoder). */
    id: z.string().min(1),
    /**
     * Name of the environment variable that holds the API key (checked when the model is made, so
     * that a key written here by mistake is never echoed in an error).
     */
    apiKeyEnv: z.string().min(1).default('OPENAI_API_KEY'),
    /** An OpenAI-compatible endpoint instead of https://api.openai.com/v1. */
    baseURL: z.url().optional(),
  }),
]);

export type ModelChoice = z.input<typeof modelChoiceSchema>;
type ResolvedModelChoice = z.output<typeof modelChoiceSchema>;
type OpenAiChoice = Extract<ResolvedModelChoice, { provider: 'openai' }>;

function openAiProvider(choice: OpenAiChoice, context: ComponentContextV1): OpenAIProvider {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(choice.apiKeyEnv)) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `model.apiKeyEnv must be the name of an environment variable (letters, digits and _), and this value is not one`,
      where: { field: 'model.apiKeyEnv', fieldPath: ['model', 'apiKeyEnv'] },
      hint: 'Write the name of the variable (e.g. OPENAI_API_KEY), not the key; if a key was written there, remove it from the file and rotate it',
    });
  }
  const apiKey = context.env[choice.apiKeyEnv];
  if (apiKey === undefined || apiKey.trim() === '') {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `the environment variable ${choice.apiKeyEnv} named by model.apiKeyEnv is not set`,
      where: { field: 'model.apiKeyEnv', fieldPath: ['model', 'apiKeyEnv'] },
      hint: `Export the API key as ${choice.apiKeyEnv} before running, or name another variable in model.apiKeyEnv; never write the key in the config`,
    });
  }
  return createOpenAI({ apiKey, ...(choice.baseURL !== undefined ? { baseURL: choice.baseURL } : {}) });
}

/** The judge's language model: the task-mock judge, or an OpenAI chat model (which returns log-probs). */
export function languageModelOf(choice: ResolvedModelChoice, context: ComponentContextV1): LanguageModel {
  return choice.provider === 'task-mock'
    ? taskJudgeModel(taskOf(context))
    : openAiProvider(choice, context).chat(choice.id);
}

/** The encoder's embedding model: the task-mock encoder, or an OpenAI embedding model. */
export function embeddingModelOf(choice: ResolvedModelChoice, context: ComponentContextV1): EmbeddingModel {
  return choice.provider === 'task-mock'
    ? taskEmbeddingModel(taskOf(context))
    : openAiProvider(choice, context).embedding(choice.id);
}
