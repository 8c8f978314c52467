import {
  type ComponentContextV1,
  type ComponentRegistries,
  createComponentRegistry,
  emptyComponentRegistries,
  PrefplayError,
} from '@prefplay/core';
import { openAIEmbeddingsEncoder, openAIJudge } from '@prefplay/openai';
import { policyHiddenEncoder, tfidfEncoder } from '@prefplay/preference';

function optionsObject(options: unknown, context: ComponentContextV1): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `${context.where}.options must be an object`,
      where: { fieldPath: ['options'] },
    });
  }
  return options as Record<string, unknown>;
}

/**
 * The options of an HTTP component with its API key taken from the environment variable that
 * `apiKeyEnv` names. A key written in the config itself (`apiKey`) is refused, so it never reaches
 * the run directory; a named variable that is not set is an error that names the variable only.
 */
export function withApiKeyFromEnv(options: unknown, context: ComponentContextV1): Record<string, unknown> {
  const { apiKeyEnv, ...rest } = optionsObject(options, context);
  if ('apiKey' in rest) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `${context.where}.options.apiKey: an API key is never read from the config file`,
      where: { fieldPath: ['options', 'apiKey'] },
      hint: 'Put the key in an environment variable and name it with apiKeyEnv (e.g. apiKeyEnv: OPENAI_API_KEY)',
    });
  }
  if (apiKeyEnv === undefined) return rest;
  if (typeof apiKeyEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv)) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `${context.where}.options.apiKeyEnv must be the name of an environment variable`,
      where: { fieldPath: ['options', 'apiKeyEnv'] },
      hint: 'Write the variable’s name, e.g. apiKeyEnv: OPENAI_API_KEY',
    });
  }
  const key = context.env[apiKeyEnv];
  if (key === undefined || key === '') {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `the environment variable ${apiKeyEnv} (${context.where}.options.apiKeyEnv) is not set`,
      where: { fieldPath: ['options', 'apiKeyEnv'] },
      hint: `Export ${apiKeyEnv} before running, or remove apiKeyEnv for a server without a key`,
    });
  }
  return { ...rest, apiKey: key };
}

function needPolicy(context: ComponentContextV1) {
  if (context.policy === undefined) {
    throw new PrefplayError({ code: 'invalid-config', problem: `${context.where} needs the policy` });
  }
  return context.policy;
}

/**
 * The components a run on a Hugging Face model can name without plugins: the oracle
 * `openai-judge` (an OpenAI-compatible chat endpoint as a pairwise judge: `openAIJudge`'s options,
 * the key from `apiKeyEnv`); the encoders `policy-hidden` (the policy's pooled last hidden states),
 * `openai-embeddings` (an OpenAI-compatible `/v1/embeddings` endpoint, key from `apiKeyEnv`) and
 * `tfidf` (character n-grams of the response texts).
 */
export function huggingFaceComponents(): ComponentRegistries {
  const base = emptyComponentRegistries();
  return {
    ...base,
    oracle: createComponentRegistry('oracle', {
      'openai-judge': (options, context) =>
        openAIJudge(withApiKeyFromEnv(options, context) as Parameters<typeof openAIJudge>[0]),
    }),
    encoder: createComponentRegistry('encoder', {
      'policy-hidden': (options, context) => policyHiddenEncoder(needPolicy(context), optionsObject(options, context)),
      'openai-embeddings': (options, context) =>
        openAIEmbeddingsEncoder(withApiKeyFromEnv(options, context) as Parameters<typeof openAIEmbeddingsEncoder>[0]),
      tfidf: (options, context) => tfidfEncoder({ n: 3, ...optionsObject(options, context) }),
    }),
  };
}
