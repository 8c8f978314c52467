import type { JSONValue, ProviderMetadata } from 'ai';

/**
 * The `metadataExtractor` shape of `createOpenAICompatible` (`@ai-sdk/openai-compatible` 2.x),
 * written out so this package does not depend on it.
 */
export type LogprobsMetadataExtractor = {
  extractMetadata(options: { parsedBody: unknown }): Promise<ProviderMetadata | undefined>;
  createStreamExtractor(): {
    processChunk(parsedChunk: unknown): void;
    buildMetadata(): ProviderMetadata | undefined;
  };
};

type ChatChoice = { logprobs?: { content?: unknown } | null };

function contentLogprobs(body: unknown): JSONValue[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const choices = (body as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return undefined;
  const content = (choices[0] as ChatChoice | undefined)?.logprobs?.content;
  return Array.isArray(content) ? (content as JSONValue[]) : undefined;
}

/**
 * Lets an OpenAI-compatible server's log-probs (vLLM, llama.cpp server, Ollama, LM Studio, …) reach
 * the judge: `createOpenAICompatible({ …, metadataExtractor: logprobsMetadataExtractor('vllm') })`
 * copies `choices[0].logprobs.content` of every answer to `providerMetadata[key].logprobs`. Ask for
 * them with `providerOptions: { vllm: { logprobs: true, top_logprobs: 5 } }` (the key is the
 * provider's `name`).
 */
export function logprobsMetadataExtractor(key: string): LogprobsMetadataExtractor {
  return {
    async extractMetadata({ parsedBody }) {
      const logprobs = contentLogprobs(parsedBody);
      return logprobs ? { [key]: { logprobs } } : undefined;
    },
    createStreamExtractor() {
      const logprobs: JSONValue[] = [];
      return {
        processChunk(chunk) {
          const part = contentLogprobs(chunk);
          if (part) logprobs.push(...part);
        },
        buildMetadata: () => (logprobs.length > 0 ? { [key]: { logprobs } } : undefined),
      };
    },
  };
}
