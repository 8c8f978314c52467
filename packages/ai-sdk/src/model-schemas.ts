import type { EmbeddingModel, generateText, LanguageModel } from 'ai';
import { z } from 'zod';

const modelSpecificationVersions = new Set(['v2', 'v3']);

function isModelObject(value: unknown, method: 'doGenerate' | 'doEmbed'): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const model = value as Record<string, unknown>;
  return (
    typeof model.specificationVersion === 'string' &&
    modelSpecificationVersions.has(model.specificationVersion) &&
    typeof model[method] === 'function'
  );
}

/**
 * An AI SDK 6 language model: a `LanguageModelV3` (or V2) object from a provider package
 * (`openai('gpt-4o-mini')`, `anthropic(...)`, `createOpenAICompatible(...)(...)`), or a model id string
 * resolved by the AI SDK's global provider.
 */
export const languageModelSchema = z.custom<LanguageModel>(
  (value) => (typeof value === 'string' && value.length > 0) || isModelObject(value, 'doGenerate'),
  {
    error:
      'must be an AI SDK language model (specificationVersion "v3" or "v2" with doGenerate) or a model id string; AI SDK 7 models (spec "v4") need a newer @prefplay/ai-sdk',
  },
);

/** An AI SDK 6 embedding model (`EmbeddingModelV3` or V2 object, or a model id string). */
export const embeddingModelSchema = z.custom<EmbeddingModel>(
  (value) => (typeof value === 'string' && value.length > 0) || isModelObject(value, 'doEmbed'),
  {
    error:
      'must be an AI SDK embedding model (specificationVersion "v3" or "v2" with doEmbed) or a model id string; AI SDK 7 models (spec "v4") need a newer @prefplay/ai-sdk',
  },
);

/** `provider:modelId` of a model object, or the id string itself. */
export function describeModel(model: LanguageModel | EmbeddingModel): string {
  return typeof model === 'string' ? model : `${model.provider}:${model.modelId}`;
}

/** The `providerOptions` of an AI SDK 6 call: provider name → its options (JSON values). */
export type ProviderOptions = NonNullable<Parameters<typeof generateText>[0]['providerOptions']>;

/** `providerOptions` of an AI SDK call: provider name → its options (JSON values). */
export const providerOptionsSchema = z.record(z.string(), z.record(z.string(), z.json()));

/** `overrides` merged over `base`, provider by provider. */
export function mergeProviderOptions(base: ProviderOptions, overrides: ProviderOptions | undefined): ProviderOptions {
  const merged: ProviderOptions = { ...base };
  for (const [provider, values] of Object.entries(overrides ?? {})) {
    merged[provider] = { ...(merged[provider] ?? {}), ...values };
  }
  return merged;
}
