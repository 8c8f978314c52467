import type { Rng } from './rng.js';

/**
 * The retry policy of prefplay's HTTP adapters: network errors, timeouts, HTTP 429 and 5xx are
 * retried with exponential backoff and seeded jitter, honouring `Retry-After`, capped at
 * `maxBackoffMs`; other 4xx are not retried.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Milliseconds before retry number `retry` (1-based): `Retry-After` if the server sent one, else `backoffMs·2^(retry−1)` with jitter in [½, 1], both capped. */
export function backoffDelay(options: {
  readonly retry: number;
  readonly retryAfterMs: number | undefined;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly jitter: Rng;
}): number {
  if (options.retryAfterMs !== undefined) return Math.min(options.retryAfterMs, options.maxBackoffMs);
  const base = Math.min(options.backoffMs * 2 ** (options.retry - 1), options.maxBackoffMs);
  return base * (0.5 + 0.5 * options.jitter.next());
}

/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date); undefined if absent or invalid. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
