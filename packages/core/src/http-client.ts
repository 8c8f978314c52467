import { z } from 'zod';
import { PrefplayError } from './errors.js';
import { parseOptions } from './parse-options.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter, sleep } from './retry-policy.js';
import { createRng } from './rng.js';
import { createSemaphore } from './semaphore.js';

/** The `fetch` signature the client calls; Node 20's global `fetch` by default. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Options every client of an OpenAI-compatible server shares: where it is, how to authenticate,
 * and how patient to be. Plugins extend this schema with their own fields.
 */
export const httpConnectionOptionsSchema = z.object({
  /** Root of the API, e.g. `http://127.0.0.1:8000/v1`; request paths are appended to it. */
  baseURL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:8000/v1' }),
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey: z.string().min(1).optional(),
  /** Limit of one attempt (request and body), in milliseconds. */
  timeoutMs: z.number().int().min(1).max(3_600_000).default(60_000),
  /** Extra attempts after the first on network errors, timeouts, 429 and 5xx. */
  retries: z.number().int().min(0).max(20).default(2),
  /** Delay before the first retry; doubles with each further retry (with jitter). */
  backoffMs: z.number().min(0).max(600_000).default(500),
  /** Upper bound of any delay between attempts, `Retry-After` included. */
  maxBackoffMs: z.number().min(0).max(3_600_000).default(30_000),
  /** Requests of this client in flight at once. */
  concurrency: z.number().int().min(1).max(1024).default(4),
  /** Extra request headers. */
  headers: z.record(z.string(), z.string()).optional(),
  fetch: z
    .custom<FetchFunction>((value) => typeof value === 'function', { error: 'must be a fetch function' })
    .optional(),
});

export type HttpConnectionOptions = z.output<typeof httpConnectionOptionsSchema>;

const httpClientOptionsSchema = httpConnectionOptionsSchema.extend({
  /** Seed of the backoff jitter. */
  seed: z.number().int().default(0),
});

/** The connection fields of a plugin's parsed options, ready for `createHttpClient`. */
export function httpConnectionOf(options: HttpConnectionOptions): HttpClientOptions {
  return {
    baseURL: options.baseURL,
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    backoffMs: options.backoffMs,
    maxBackoffMs: options.maxBackoffMs,
    concurrency: options.concurrency,
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    ...(options.headers !== undefined ? { headers: options.headers } : {}),
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
  };
}

export type HttpClientOptions = z.input<typeof httpClientOptionsSchema>;
export type ResolvedHttpClientOptions = z.output<typeof httpClientOptionsSchema>;

export type PostJsonOptions = {
  /** Cancels the call (waiting, in flight or between attempts). */
  readonly signal?: AbortSignal;
};

export type HttpClient = {
  /** The validated options, defaults filled in. */
  readonly options: Readonly<Omit<ResolvedHttpClientOptions, 'fetch' | 'apiKey'>>;
  /** POSTs `body` as JSON to `baseURL + path` and returns the parsed JSON answer (its shape unchecked). */
  postJson<T>(path: string, body: unknown, options?: PostJsonOptions): Promise<T>;
};

/** A failed HTTP call: a `PrefplayError` with code `http` and the details as fields. */
export class HttpRequestError extends PrefplayError {
  readonly method: string;
  readonly url: string;
  /** HTTP status of the last attempt; undefined when no response arrived. */
  readonly status: number | undefined;
  /** Attempts made, the failing one included. */
  readonly attempts: number;

  constructor(options: {
    method: string;
    url: string;
    status: number | undefined;
    attempts: number;
    problem: string;
    hint: string;
    cause?: unknown;
  }) {
    super({
      code: 'http',
      problem: `${options.method} ${options.url} ${options.problem} (${describeAttempts(options.attempts)})`,
      hint: options.hint,
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
    });
    this.name = 'HttpRequestError';
    this.method = options.method;
    this.url = options.url;
    this.status = options.status;
    this.attempts = options.attempts;
  }
}

function describeAttempts(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}

/** Joins a base URL and a path with exactly one slash between them. */
export function joinURL(baseURL: string, path: string): string {
  return `${baseURL.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

function hintForStatus(status: number): string {
  if (status === 401 || status === 403) return 'Check apiKey and that this key may use the endpoint';
  if (status === 404) {
    return 'Check baseURL (OpenAI-compatible servers usually expect it to end in /v1) and the model name';
  }
  if (status === 429) return 'The server is rate-limiting: lower concurrency or raise retries and maxBackoffMs';
  if (status >= 500) {
    return 'The server kept failing: check its logs, lower concurrency, or raise retries and backoffMs';
  }
  return 'The server rejected the request: check the model name and the request options it names';
}

type AttemptOutcome =
  | { readonly kind: 'ok'; readonly value: unknown }
  | { readonly kind: 'retry'; readonly error: HttpRequestError; readonly retryAfterMs: number | undefined }
  | { readonly kind: 'fail'; readonly error: HttpRequestError };

/**
 * A small JSON-over-HTTP client for OpenAI-compatible servers (vLLM, llama.cpp server, Ollama, ...):
 * per-attempt timeouts, retries with exponential backoff and seeded jitter on network errors,
 * timeouts, 429 and 5xx (honouring `Retry-After`, capped at `maxBackoffMs`), no retry on other 4xx,
 * and at most `concurrency` requests in flight across all calls of the client.
 */
export function createHttpClient(input: HttpClientOptions): HttpClient {
  const options = parseOptions(httpClientOptionsSchema, input, { what: 'http client options' });
  const fetchFunction: FetchFunction = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const semaphore = createSemaphore(options.concurrency);
  const jitter = createRng(options.seed);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...(options.apiKey !== undefined ? { authorization: `Bearer ${options.apiKey}` } : {}),
    ...(options.headers ?? {}),
  };

  const backoff = (retry: number, retryAfterMs: number | undefined): number =>
    backoffDelay({ retry, retryAfterMs, backoffMs: options.backoffMs, maxBackoffMs: options.maxBackoffMs, jitter });

  const attempt = async (
    url: string,
    payload: string,
    attemptNumber: number,
    signal: AbortSignal | undefined,
  ): Promise<AttemptOutcome> => {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
    const onCallerAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (signal?.aborted) controller.abort(signal.reason);
    const error = (status: number | undefined, problem: string, hint: string, cause?: unknown): HttpRequestError =>
      new HttpRequestError({
        method: 'POST',
        url,
        status,
        attempts: attemptNumber,
        problem,
        hint,
        ...(cause !== undefined ? { cause } : {}),
      });
    try {
      let response: Response;
      let text: string;
      try {
        response = await fetchFunction(url, { method: 'POST', headers, body: payload, signal: controller.signal });
        text = await response.text();
      } catch (cause) {
        if (signal?.aborted) throw cause;
        if (timedOut) {
          return {
            kind: 'retry',
            retryAfterMs: undefined,
            error: error(
              undefined,
              `timed out after ${options.timeoutMs} ms`,
              'Check that the server is up and not overloaded, raise timeoutMs, or lower concurrency',
              cause,
            ),
          };
        }
        const reason =
          cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : '';
        return {
          kind: 'retry',
          retryAfterMs: undefined,
          error: error(
            undefined,
            `failed with a network error${reason ? ` (${reason})` : ''}`,
            'Check that the server is running and reachable at baseURL',
            cause,
          ),
        };
      }
      const status = response.status;
      if (isRetryableStatus(status)) {
        return {
          kind: 'retry',
          retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
          error: error(status, `answered HTTP ${status}${text ? `: ${snippet(text)}` : ''}`, hintForStatus(status)),
        };
      }
      if (status < 200 || status >= 300) {
        return {
          kind: 'fail',
          error: error(status, `answered HTTP ${status}${text ? `: ${snippet(text)}` : ''}`, hintForStatus(status)),
        };
      }
      try {
        return { kind: 'ok', value: JSON.parse(text) as unknown };
      } catch (cause) {
        return {
          kind: 'fail',
          error: error(
            status,
            `answered HTTP ${status} with a body that is not JSON: ${text ? JSON.stringify(snippet(text)) : 'empty body'}`,
            'Check that baseURL points at an OpenAI-compatible JSON API (often ending in /v1)',
            cause,
          ),
        };
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  };

  const cancelled = (url: string, attempts: number, reason: unknown): HttpRequestError =>
    new HttpRequestError({
      method: 'POST',
      url,
      status: undefined,
      attempts,
      problem: 'was cancelled by the caller',
      hint: 'The AbortSignal passed to the call was aborted; nothing to fix unless that was unintended',
      cause: reason,
    });

  return {
    options: {
      baseURL: options.baseURL,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      backoffMs: options.backoffMs,
      maxBackoffMs: options.maxBackoffMs,
      concurrency: options.concurrency,
      seed: options.seed,
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
    },
    async postJson<T>(path: string, body: unknown, callOptions: PostJsonOptions = {}): Promise<T> {
      const url = joinURL(options.baseURL, path);
      const { signal } = callOptions;
      let payload: string;
      try {
        payload = JSON.stringify(body);
      } catch (cause) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `POST ${url}: the request body cannot be serialised as JSON`,
          hint: 'Pass plain data (no cycles, no BigInt)',
          cause,
        });
      }
      for (let attemptNumber = 1; ; attemptNumber++) {
        let release: () => void;
        try {
          release = await semaphore.acquire(signal);
        } catch (reason) {
          throw cancelled(url, attemptNumber - 1, reason);
        }
        let outcome: AttemptOutcome;
        try {
          outcome = await attempt(url, payload, attemptNumber, signal);
        } catch (reason) {
          throw cancelled(url, attemptNumber, reason);
        } finally {
          release();
        }
        if (outcome.kind === 'ok') return outcome.value as T;
        if (outcome.kind === 'fail' || attemptNumber > options.retries) throw outcome.error;
        try {
          await sleep(backoff(attemptNumber, outcome.retryAfterMs), signal);
        } catch (reason) {
          throw cancelled(url, attemptNumber, reason);
        }
      }
    },
  };
}
