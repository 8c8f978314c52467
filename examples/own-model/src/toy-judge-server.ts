import {
  chatCompletionBody,
  embeddingsBody,
  type OpenAITestServer,
  startOpenAITestServer,
} from '@prefplay/openai/testing';

/** Share of a text's characters that are letters or spaces: what the toy judge likes. */
export function letterShare(text: string): number {
  if (text.length === 0) return 0;
  return [...text].filter((c) => /[A-Za-z ]/.test(c)).length / [...text].length;
}

/**
 * A local OpenAI-compatible server standing in for a real judge and embedding model (e.g. vLLM):
 * `/v1/chat/completions` answers prefplay's pairwise judge prompt with log-probs of "A" and "B",
 * `P(A) = σ(6·(share(A) − share(B)))` where `share` is the letter share of a response;
 * `/v1/embeddings` returns each text's character-class profile. Every request is recorded, so a
 * test can check what was sent (e.g. the API key header).
 */
export function startToyJudgeServer(): Promise<OpenAITestServer> {
  return startOpenAITestServer({
    maxRequests: 100_000,
    chat: (request) => {
      const messages = request.body.messages as { role: string; content: string }[];
      const user = messages[messages.length - 1]?.content ?? '';
      const match = /Response A:\n([\s\S]*?)\n\nResponse B:\n([\s\S]*?)\n\nWhich response/.exec(user);
      const [a, b] = [match?.[1] ?? '', match?.[2] ?? ''];
      const pA = 1 / (1 + Math.exp(-6 * (letterShare(a) - letterShare(b))));
      return chatCompletionBody([
        {
          content: pA >= 0.5 ? 'A' : 'B',
          logprobs: [
            {
              token: pA >= 0.5 ? 'A' : 'B',
              logprob: Math.log(Math.max(pA, 1 - pA)),
              top: [
                { token: 'A', logprob: Math.log(pA) },
                { token: 'B', logprob: Math.log(1 - pA) },
              ],
            },
          ],
        },
      ]);
    },
    embeddings: (request) => {
      const input = request.body.input as string[];
      return embeddingsBody(
        input.map((text) => {
          const chars = [...text];
          const count = (pattern: RegExp) => chars.filter((c) => pattern.test(c)).length;
          return [count(/[a-z]/), count(/[A-Z]/), count(/[0-9]/), count(/\s/), count(/[^\w\s]/), 1];
        }),
      );
    },
  });
}
