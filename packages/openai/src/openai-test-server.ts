import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The three endpoints the fake serves, under `/v1`. */
export type OpenAITestRoute = 'chat' | 'completions' | 'embeddings';

const routePaths: Readonly<Record<string, OpenAITestRoute>> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings',
};

/** One recorded request. */
export type OpenAITestRequest = {
  readonly route: OpenAITestRoute;
  readonly path: string;
  /** The parsed JSON body (undefined when the body was not JSON). */
  readonly body: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  /** 1-based position among all requests to the server. */
  readonly index: number;
};

/** A full answer, for handlers that need a status, headers, a delay or a raw body. */
export type OpenAITestReply = {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before answering. */
  readonly delayMs?: number;
} & ({ readonly json: unknown } | { readonly raw: string });

const replyMarker = Symbol.for('prefplay.openai-test-reply');

/** Builds a reply that `startOpenAITestServer` sends as is (a plain object is sent as a 200 JSON body). */
export function testReply(reply: OpenAITestReply): OpenAITestReply & { readonly [replyMarker]: true } {
  return { ...reply, [replyMarker]: true };
}

/** What a handler returns: a JSON body for a 200 answer, or a `testReply(...)`. */
export type OpenAITestHandler = (request: OpenAITestRequest) => unknown | Promise<unknown>;

/**
 * A fault injected before the handlers run; the first fault that matches a request (by `route`, any
 * when omitted) and has uses left (`times`, default 1) answers it.
 * - `status`: answer with that status (and `retryAfter` seconds as `Retry-After` when given);
 * - `delayMs`: wait that long, then answer with the handler (use it to exceed a client's timeout);
 * - `malformed`: answer 200 with a body that is not JSON;
 * - `json`: answer 200 with this body (e.g. one missing required fields).
 */
export type OpenAITestFault = {
  readonly route?: OpenAITestRoute;
  readonly times?: number;
} & (
  | { readonly status: number; readonly retryAfter?: number; readonly body?: unknown }
  | { readonly delayMs: number }
  | { readonly malformed: true }
  | { readonly json: unknown }
);

export type OpenAITestServerOptions = {
  readonly chat?: OpenAITestHandler;
  readonly completions?: OpenAITestHandler;
  readonly embeddings?: OpenAITestHandler;
  readonly faults?: readonly OpenAITestFault[];
  /** Requests beyond this many are answered 429 without reaching a handler (default 1000). */
  readonly maxRequests?: number;
};

export type OpenAITestServer = {
  /** `http://127.0.0.1:<port>/v1`, ready for an OpenAI-compatible client. */
  readonly baseURL: string;
  /** Every request received, in arrival order. */
  readonly requests: OpenAITestRequest[];
  /** Requests being answered right now. */
  readonly inFlight: number;
  /** Most requests ever answered at the same time. */
  readonly maxInFlight: number;
  /** Stops the server, drops open connections and pending delayed answers. */
  close(): Promise<void>;
};

/** A chat completion body with one choice per entry of `contents` (log-probs as OpenAI's `logprobs.content`). */
export function chatCompletionBody(
  contents: readonly (
    | string
    | {
        readonly content: string | null;
        readonly finishReason?: string | null;
        readonly logprobs?: readonly {
          readonly token: string;
          readonly logprob: number;
          readonly top?: readonly { readonly token: string; readonly logprob: number }[];
        }[];
      }
  )[],
  model = 'test-model',
): Record<string, unknown> {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 0,
    model,
    choices: contents.map((entry, index) => {
      const choice = typeof entry === 'string' ? { content: entry } : entry;
      return {
        index,
        message: { role: 'assistant', content: choice.content },
        finish_reason: choice.finishReason === undefined ? 'stop' : choice.finishReason,
        logprobs:
          choice.logprobs === undefined
            ? null
            : {
                content: choice.logprobs.map((t) => ({
                  token: t.token,
                  logprob: t.logprob,
                  bytes: null,
                  top_logprobs: (t.top ?? []).map((top) => ({ token: top.token, logprob: top.logprob, bytes: null })),
                })),
              },
      };
    }),
  };
}

/** A legacy completion body with one choice per entry of `texts` (log-probs as `logprobs.token_logprobs`). */
export function completionBody(
  texts: readonly (
    | string
    | { readonly text: string; readonly finishReason?: string | null; readonly tokenLogprobs?: readonly number[] }
  )[],
  model = 'test-model',
): Record<string, unknown> {
  return {
    id: 'cmpl-test',
    object: 'text_completion',
    created: 0,
    model,
    choices: texts.map((entry, index) => {
      const choice = typeof entry === 'string' ? { text: entry } : entry;
      return {
        index,
        text: choice.text,
        finish_reason: choice.finishReason === undefined ? 'stop' : choice.finishReason,
        logprobs:
          choice.tokenLogprobs === undefined
            ? null
            : { tokens: choice.tokenLogprobs.map((_, i) => `t${i}`), token_logprobs: choice.tokenLogprobs },
      };
    }),
  };
}

/** An embeddings body, `data[i] = { index: i, embedding }` (pass `order` to list them shuffled). */
export function embeddingsBody(
  embeddings: readonly (readonly number[])[],
  options: { readonly order?: readonly number[]; readonly model?: string } = {},
): Record<string, unknown> {
  const order = options.order ?? embeddings.map((_, i) => i);
  return {
    object: 'list',
    model: options.model ?? 'test-model',
    data: order.map((index) => ({ object: 'embedding', index, embedding: embeddings[index] })),
  };
}

function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const defaultHandlers: Readonly<Record<OpenAITestRoute, OpenAITestHandler>> = {
  chat: ({ body }) => chatCompletionBody([{ content: 'A' }], String(body.model ?? 'test-model')),
  completions: ({ body }) => completionBody(['ok'], String(body.model ?? 'test-model')),
  // 8-dimensional vectors from a hash of each input: equal texts give equal vectors.
  embeddings: ({ body }) => {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    return embeddingsBody(
      inputs.map((input) => {
        const h = hashText(String(input));
        return Array.from({ length: 8 }, (_, i) => (((h >>> (i * 4)) & 15) - 7.5) / 7.5);
      }),
    );
  },
};

/**
 * Starts a small fake of an OpenAI-compatible server on 127.0.0.1 (ephemeral port) serving
 * `/v1/chat/completions`, `/v1/completions` and `/v1/embeddings`, recording every request and
 * answering through `handlers` after any injected `faults`. Always `close()` it.
 */
export async function startOpenAITestServer(options: OpenAITestServerOptions = {}): Promise<OpenAITestServer> {
  const requests: OpenAITestRequest[] = [];
  const faults = (options.faults ?? []).map((fault) => ({ fault, left: fault.times ?? 1 }));
  const maxRequests = options.maxRequests ?? 1000;
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let maxInFlight = 0;

  const wait = (ms: number, response: ServerResponse) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        response.off('close', onClose);
        resolve(true);
      }, ms);
      const onClose = () => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve(false);
      };
      timers.add(timer);
      response.once('close', onClose);
    });

  const send = (response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    if (response.writableEnded || response.destroyed) return;
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(body);
  };

  const answer = async (request: OpenAITestRequest, response: ServerResponse): Promise<void> => {
    const slot = faults.find(
      (entry) => entry.left > 0 && (entry.fault.route === undefined || entry.fault.route === request.route),
    );
    if (slot) {
      slot.left--;
      const fault = slot.fault;
      if ('status' in fault) {
        const headers: Record<string, string> =
          fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
        send(response, fault.status, JSON.stringify(fault.body ?? { error: { message: 'injected fault' } }), headers);
        return;
      }
      if ('malformed' in fault) {
        send(response, 200, '{"choices": [{"index": 0, "message": ');
        return;
      }
      if ('json' in fault) {
        send(response, 200, JSON.stringify(fault.json));
        return;
      }
      if (!(await wait(fault.delayMs, response))) return;
    }
    const handler = options[request.route] ?? defaultHandlers[request.route];
    const result = await handler(request);
    if (typeof result === 'object' && result !== null && replyMarker in result) {
      const reply = result as unknown as OpenAITestReply;
      if (reply.delayMs !== undefined && !(await wait(reply.delayMs, response))) return;
      send(
        response,
        reply.status ?? 200,
        'raw' in reply ? reply.raw : JSON.stringify(reply.json),
        reply.headers ? { ...reply.headers } : {},
      );
      return;
    }
    send(response, 200, JSON.stringify(result));
  };

  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const path = (incoming.url ?? '').split('?')[0] ?? '';
      const route = routePaths[path];
      if (incoming.method !== 'POST' || route === undefined) {
        send(response, 404, JSON.stringify({ error: { message: `no route ${incoming.method} ${path}` } }));
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        send(response, 400, JSON.stringify({ error: { message: 'request body is not JSON' } }));
        return;
      }
      const request: OpenAITestRequest = { route, path, body, headers: incoming.headers, index: requests.length + 1 };
      requests.push(request);
      if (requests.length > maxRequests) {
        send(response, 429, JSON.stringify({ error: { message: `more than ${maxRequests} requests` } }));
        return;
      }
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      answer(request, response)
        .catch((error: unknown) => {
          send(response, 500, JSON.stringify({ error: { message: `handler failed: ${String(error)}` } }));
        })
        .finally(() => {
          inFlight--;
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
