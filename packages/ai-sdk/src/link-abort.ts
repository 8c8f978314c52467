/** An abort controller that follows `parent`, and a way to stop following it. */
export type LinkedAbort = {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  /** Stops listening to `parent`; call it when the work is done. */
  unlink(): void;
  /**
   * Settles like `work`, or rejects with `parent`'s reason as soon as `parent` aborts, whichever
   * comes first, so a caller is never held by a provider that ignores its abort signal.
   */
  race<T>(work: Promise<T>): Promise<T>;
};

/**
 * Links a fresh controller to an optional parent signal without Node built-ins: the parent's abort
 * aborts it (one listener, removed by `unlink`), and aborting it leaves the parent alone.
 */
export function linkAbort(parent: AbortSignal | undefined): LinkedAbort {
  const controller = new AbortController();
  let rejectOnAbort: ((reason: unknown) => void) | undefined;
  const onAbort = () => {
    controller.abort(parent?.reason);
    rejectOnAbort?.(parent?.reason);
  };
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    unlink: () => parent?.removeEventListener('abort', onAbort),
    race<T>(work: Promise<T>): Promise<T> {
      if (!parent) return work;
      if (parent.aborted) {
        work.catch(() => {});
        return Promise.reject(parent.reason);
      }
      return new Promise<T>((resolve, reject) => {
        rejectOnAbort = (reason) => {
          work.catch(() => {});
          reject(reason);
        };
        work.then(resolve, reject);
      });
    },
  };
}
