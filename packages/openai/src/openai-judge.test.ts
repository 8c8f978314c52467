import { PrefplayError, type PromptV1, type ResponseV1 } from '@prefplay/core';
import { afterEach, describe, expect, it } from 'vitest';
import { openAIJudge, probabilityFromText } from './openai-judge.js';
import {
  chatCompletionBody,
  type OpenAITestRequest,
  type OpenAITestServer,
  startOpenAITestServer,
  testReply,
} from './openai-test-server.js';

const servers: OpenAITestServer[] = [];
async function start(options: Parameters<typeof startOpenAITestServer>[0]): Promise<OpenAITestServer> {
  const server = await startOpenAITestServer({ maxRequests: 100, ...options });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const prompt: PromptV1 = { id: 'p', tokens: [0], text: 'Name a colour.' };
const scores = [0.4, -1.1, 1.7];
const responses: ResponseV1[] = scores.map((_, i) => ({ tokens: [i], text: `answer-${i}` }));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Which responses the judge was shown as A and B (indices into `responses`). */
function shown(request: OpenAITestRequest): { a: number; b: number } {
  const messages = request.body.messages as { role: string; content: string }[];
  const user = messages.at(-1)?.content ?? '';
  const match = /Response A:\nanswer-(\d+)\n\nResponse B:\nanswer-(\d+)\n/.exec(user);
  if (!match) throw new Error(`unexpected user message: ${user}`);
  return { a: Number(match[1]), b: Number(match[2]) };
}

/** Expected symmetrised matrix for P(first wins) = σ(s_first − s_second + bias), in closed form. */
function expectedMatrix(bias: number): number[][] {
  return scores.map((si, i) =>
    scores.map((sj, j) => (i === j ? 0.5 : (sigmoid(si - sj + bias) + 1 - sigmoid(sj - si + bias)) / 2)),
  );
}

function expectMatrixClose(actual: number[][], expected: number[][], digits = 12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    row.forEach((value, j) => {
      expect(value).toBeCloseTo(expected[i]?.[j] as number, digits);
    });
  });
}

describe('openAIJudge', () => {
  it('reads P(A) from pooled top log-probs and symmetrises both orders', async () => {
    const bias = 0.7;
    const server = await start({
      chat: (request) => {
        const { a, b } = shown(request);
        const pA = sigmoid((scores[a] as number) - (scores[b] as number) + bias);
        const pB = 1 - pA;
        // 90% of the mass on the labels, split over case/space variants; a blank token comes first.
        return chatCompletionBody([
          {
            content: '\nA',
            logprobs: [
              { token: '\n', logprob: -0.01, top: [{ token: '\n', logprob: -0.01 }] },
              {
                token: 'A',
                logprob: Math.log(0.9 * 0.7 * pA),
                top: [
                  { token: 'A', logprob: Math.log(0.9 * 0.7 * pA) },
                  { token: ' a', logprob: Math.log(0.9 * 0.3 * pA) },
                  { token: 'B', logprob: Math.log(0.9 * 0.6 * pB) },
                  { token: ' B', logprob: Math.log(0.9 * 0.4 * pB) },
                  { token: 'The', logprob: Math.log(0.1) },
                ],
              },
            ],
          },
        ]);
      },
    });
    const judge = openAIJudge({ baseURL: server.baseURL, model: 'judge-1', retries: 0 });
    const matrix = await judge.doCompare({ prompt, responses });
    expectMatrixClose(matrix, expectedMatrix(bias));
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) expect((matrix[i]?.[j] ?? 0) + (matrix[j]?.[i] ?? 0)).toBe(1);
    expect(server.requests).toHaveLength(6);
    const body = server.requests[0]?.body ?? {};
    expect(body).toMatchObject({ model: 'judge-1', temperature: 0, logprobs: true, top_logprobs: 5 });
    expect(judge.stats).toEqual({
      queries: 6,
      logprobAnswers: 6,
      textAnswers: 0,
      unreadableAnswers: 0,
      unresolvedPairs: 0,
    });
    expect(judge.unreadableAnswers).toEqual([]);
    expect(judge.oracleId).toBe('openai-judge:judge-1');
  });

  it('falls back to the answer text without log-probs', async () => {
    // The better response (higher score) wins, phrased variously.
    const server = await start({
      chat: (request) => {
        const { a, b } = shown(request);
        const aWins = (scores[a] as number) > (scores[b] as number);
        return chatCompletionBody([aWins ? 'A' : 'Response B is better.']);
      },
    });
    const judge = openAIJudge({ baseURL: server.baseURL, model: 'm', logprobs: false });
    const matrix = await judge.doCompare({ prompt, responses });
    // scores 0.4, -1.1, 1.7: 2 beats 0 beats 1, in both orders.
    expect(matrix).toEqual([
      [0.5, 1, 0],
      [0, 0.5, 0],
      [1, 1, 0.5],
    ]);
    expect(server.requests[0]?.body.logprobs).toBeUndefined();
    expect(judge.stats).toEqual({
      queries: 6,
      logprobAnswers: 0,
      textAnswers: 6,
      unreadableAnswers: 0,
      unresolvedPairs: 0,
    });
  });

  /** "C", "Both…" and log-probs without A/B (with a text that names neither), as a judge may answer. */
  const unreadableReply = (a: number, b: number) => {
    if (a === 0 && b === 1) return chatCompletionBody(['C']);
    if (a === 1 && b === 0) return chatCompletionBody(['Both are equally good.']);
    if (a === 0 && b === 2) {
      return chatCompletionBody([
        {
          content: 'The',
          logprobs: [
            {
              token: 'The',
              logprob: Math.log(0.6),
              top: [
                { token: 'The', logprob: Math.log(0.6) },
                { token: 'I', logprob: Math.log(0.3) },
              ],
            },
          ],
        },
      ]);
    }
    return chatCompletionBody(['A']);
  };

  it('fails on unreadable answers by default, naming them, and never turns them into 1/2', async () => {
    const server = await start({ chat: (request) => unreadableReply(shown(request).a, shown(request).b) });
    const judge = openAIJudge({ baseURL: server.baseURL, model: 'm' });
    const error = await judge.doCompare({ prompt, responses }).catch((e: unknown) => e);
    expect(PrefplayError.hasCode(error, 'http')).toBe(true);
    expect((error as Error).message).toMatch(/3 of 6 answers named neither A nor B/);
    expect((error as Error).message).toMatch(/maxUnreadableShare 0\b/);
    expect((error as Error).message).toContain('"C"');
    expect(judge.stats).toMatchObject({ queries: 6, unreadableAnswers: 3, textAnswers: 3 });
    expect(judge.unreadableAnswers).toEqual([
      { promptId: 'p', first: 0, second: 1, content: 'C' },
      { promptId: 'p', first: 0, second: 2, content: 'The' },
      { promptId: 'p', first: 1, second: 0, content: 'Both are equally good.' },
    ]);
  });

  it('tolerates unreadable answers up to maxUnreadableShare, using the readable order alone', async () => {
    // (0,1) "C" but (1,0) "B": only P(1 first) = 0 is known, so M01 = 1 − 0 = 1.
    // (0,2) and (2,0) both unreadable: the pair is unresolved, 1/2. (1,2) and (2,1) "A": 1/2.
    const server = await start({
      chat: (request) => {
        const { a, b } = shown(request);
        if (a === 0 && b === 1) return chatCompletionBody(['C']);
        if (a === 1 && b === 0) return chatCompletionBody(['B']);
        if ((a === 0 && b === 2) || (a === 2 && b === 0)) return chatCompletionBody(['Both.']);
        return chatCompletionBody(['A']);
      },
    });
    // 3 of 6 unreadable: a share of exactly 0.5 is not above the threshold.
    const judge = openAIJudge({ baseURL: server.baseURL, model: 'm', logprobs: false, maxUnreadableShare: 0.5 });
    const matrix = await judge.doCompare({ prompt, responses });
    expect(matrix).toEqual([
      [0.5, 1, 0.5],
      [0, 0.5, 0.5],
      [0.5, 0.5, 0.5],
    ]);
    expect(judge.stats).toEqual({
      queries: 6,
      logprobAnswers: 0,
      textAnswers: 3,
      unreadableAnswers: 3,
      unresolvedPairs: 1,
    });
    // The share counts every answer so far: one more call with both answers unreadable makes it 5/8.
    await expect(judge.doCompare({ prompt, responses: [responses[0], responses[2]] as ResponseV1[] })).rejects.toThrow(
      /5 of 8 answers/,
    );
  });

  it('removes a pure position bias by symmetrisation', async () => {
    const server = await start({
      chat: () =>
        chatCompletionBody([
          {
            content: 'A',
            logprobs: [
              {
                token: 'A',
                logprob: Math.log(0.8),
                top: [
                  { token: 'A', logprob: Math.log(0.8) },
                  { token: 'B', logprob: Math.log(0.2) },
                ],
              },
            ],
          },
        ]),
    });
    const judge = openAIJudge({ baseURL: server.baseURL, model: 'm' });
    const matrix = await judge.doCompare({ prompt, responses });
    expectMatrixClose(matrix, [
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5],
    ]);
  });

  it('retries 5xx answers and then succeeds', async () => {
    const server = await start({ faults: [{ status: 503, times: 2 }] });
    const judge = openAIJudge({ baseURL: server.baseURL, model: 'm', retries: 2, backoffMs: 1, concurrency: 1 });
    const matrix = await judge.doCompare({ prompt, responses: responses.slice(0, 2) });
    // The default fake always answers "A" without log-probs: symmetrised to 1/2.
    expect(matrix).toEqual([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    expect(server.requests).toHaveLength(4);
  });

  it('retries a timeout, then fails naming the URL, the timeout and the attempts', async () => {
    const server = await start({ faults: [{ delayMs: 5000, times: 10 }] });
    const judge = openAIJudge({ baseURL: server.baseURL, model: 'm', timeoutMs: 150, retries: 1, backoffMs: 1 });
    const error = await judge.doCompare({ prompt, responses: responses.slice(0, 2) }).catch((e: unknown) => e);
    expect(PrefplayError.hasCode(error, 'http')).toBe(true);
    expect((error as Error).message).toContain(`POST ${server.baseURL}/chat/completions timed out after 150 ms`);
    expect((error as Error).message).toContain('2 attempts');
    expect(server.requests.length).toBeLessThanOrEqual(4);
  });

  it('reports malformed bodies and missing fields clearly', async () => {
    const malformed = await start({ faults: [{ malformed: true, times: 10 }] });
    const judge = openAIJudge({ baseURL: malformed.baseURL, model: 'm', retries: 0 });
    await expect(judge.doCompare({ prompt, responses: responses.slice(0, 2) })).rejects.toThrow(/not JSON/);

    const missing = await start({ faults: [{ json: { choices: [{ index: 0 }] }, times: 10 }] });
    const judge2 = openAIJudge({ baseURL: missing.baseURL, model: 'm', retries: 0 });
    const error = await judge2.doCompare({ prompt, responses: responses.slice(0, 2) }).catch((e: unknown) => e);
    expect(PrefplayError.hasCode(error, 'http')).toBe(true);
    expect((error as Error).message).toMatch(/chat completion answer.*choices\[0\]\.message/);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const server = await start({ chat: () => testReply({ delayMs: 50, json: chatCompletionBody(['B']) }) });
    const judge = openAIJudge({ baseURL: server.baseURL, model: 'm', concurrency: 2 });
    const four = [...responses, { tokens: [3], text: 'answer-3' }];
    const matrix = await judge.doCompare({ prompt, responses: four });
    expect(server.requests).toHaveLength(12);
    expect(server.maxInFlight).toBe(2);
    expect(matrix.every((row) => row.every((v) => v === 0.5))).toBe(true);
  });

  it('handles K = 1, validates options and needs text', async () => {
    const server = await start({});
    const judge = openAIJudge({ baseURL: server.baseURL, model: 'm' });
    await expect(judge.doCompare({ prompt, responses: responses.slice(0, 1) })).resolves.toEqual([[0.5]]);
    expect(server.requests).toHaveLength(0);
    await expect(judge.doCompare({ prompt, responses: [{ tokens: [1] }, { tokens: [2] }] })).rejects.toThrow(
      /responses\[0\]\.text/,
    );
    expect(() => openAIJudge({ baseURL: server.baseURL, model: 'm', userTemplate: 'Which? {responseA}' })).toThrow(
      /openAIJudge options.*userTemplate/,
    );
    expect(() => openAIJudge({ baseURL: 'localhost', model: 'm' })).toThrow(/baseURL/);
  });
});

describe('probabilityFromText', () => {
  it('reads the usual answer shapes', () => {
    expect(probabilityFromText('A')).toBe(1);
    expect(probabilityFromText(' b.')).toBe(0);
    expect(probabilityFromText('**B**')).toBe(0);
    expect(probabilityFromText('A is better')).toBe(1);
    expect(probabilityFromText('I prefer Response B.')).toBe(0);
    expect(probabilityFromText('a tie')).toBeUndefined();
    expect(probabilityFromText('Response A and Response B are equal')).toBeUndefined();
    expect(probabilityFromText('')).toBeUndefined();
  });
});
