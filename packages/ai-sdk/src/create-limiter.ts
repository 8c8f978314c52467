/** Runs at most `concurrency` tasks at once; the rest wait in arrival order. */
export type Limiter = {
  /**
   * Runs `task` once a slot is free. A task whose `signal` is aborted by the time its turn comes is
   * not started: its promise rejects with the signal's reason.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly pending: number;
};

type Entry = { start: () => void };

export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`createLimiter: concurrency must be a positive integer, got ${concurrency}`);
  }
  let active = 0;
  const queue: Entry[] = [];

  const next = (): void => {
    while (active < concurrency) {
      const entry = queue.shift();
      if (!entry) return;
      entry.start();
    }
  };

  return {
    get active() {
      return active;
    },
    get pending() {
      return queue.length;
    },
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({
          start: () => {
            if (signal?.aborted) {
              reject(signal.reason);
              return;
            }
            active++;
            let settled: Promise<T>;
            try {
              settled = task();
            } catch (error) {
              settled = Promise.reject(error);
            }
            settled.then(resolve, reject).finally(() => {
              active--;
              next();
            });
          },
        });
        next();
      });
    },
  };
}
