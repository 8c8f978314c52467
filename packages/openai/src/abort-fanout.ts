/**
 * One abort listener on the caller's signal, fanned out to a child controller per request, so that
 * many concurrent requests never pile listeners onto one signal (Node warns past ten) and no Node
 * built-in is needed to raise that limit.
 */
export type AbortFanout = {
  /** A fresh signal for one request; call `release()` when the request has settled. */
  child(): { readonly signal: AbortSignal; release(): void };
  /** Aborts every open child (and every later one). */
  abort(reason?: unknown): void;
  /** Detaches from the caller's signal. */
  dispose(): void;
};

export function createAbortFanout(parent: AbortSignal | undefined): AbortFanout {
  const open = new Set<AbortController>();
  let aborted = false;
  let abortReason: unknown;
  const abort = (reason?: unknown) => {
    if (!aborted) {
      aborted = true;
      abortReason = reason;
    }
    for (const controller of open) controller.abort(abortReason);
    open.clear();
  };
  const onAbort = () => abort(parent?.reason);
  parent?.addEventListener('abort', onAbort, { once: true });
  if (parent?.aborted) abort(parent.reason);
  return {
    child() {
      const controller = new AbortController();
      if (aborted) controller.abort(abortReason);
      else open.add(controller);
      return {
        signal: controller.signal,
        release: () => {
          open.delete(controller);
        },
      };
    },
    abort,
    dispose() {
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
