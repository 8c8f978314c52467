/** Grants at most `limit` holders at once; waiters leave the queue when their signal aborts. */
export type Semaphore = { acquire(signal: AbortSignal | undefined): Promise<() => void> };

export function createSemaphore(limit: number): Semaphore {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    active--;
    const next = waiting.shift();
    if (next) next();
  };
  return {
    acquire(signal) {
      return new Promise((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          active++;
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            release();
          });
        };
        const onAbort = () => {
          const index = waiting.indexOf(grant);
          if (index >= 0) waiting.splice(index, 1);
          reject(signal?.reason);
        };
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        if (active < limit) {
          grant();
          return;
        }
        waiting.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
