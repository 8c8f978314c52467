import { PrefplayError } from '@prefplay/core';

/**
 * The error a factory throws when an AI SDK call fails: an abort propagates as the caller's abort
 * reason, a `PrefplayError` as it is, anything else (provider errors, the AI SDK's `RetryError` after
 * its own retries) becomes a `PrefplayError` with code `http` that keeps the original as `cause`.
 */
export function modelCallError(options: {
  readonly error: unknown;
  readonly signal: AbortSignal | undefined;
  readonly owner: string;
  readonly what: string;
  readonly maxRetries: number;
}): unknown {
  const { error, signal } = options;
  if (signal?.aborted) return signal.reason;
  if (PrefplayError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PrefplayError({
    code: 'http',
    problem: `${options.owner}: ${options.what} failed: ${message}`,
    hint:
      options.maxRetries > 0
        ? `The AI SDK retried retryable failures ${options.maxRetries} times (maxRetries); check the provider's status and credentials, or raise maxRetries`
        : 'maxRetries is 0, so the AI SDK did not retry; raise maxRetries for transient failures, or check the provider',
    cause: error,
  });
}
