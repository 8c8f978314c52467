import { describe, expect, it } from 'vitest';
import { createLimiter } from './create-limiter.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('createLimiter', () => {
  it('runs at most `concurrency` tasks at once, in arrival order, and keeps going after a failure', async () => {
    const limiter = createLimiter(2);
    const log: string[] = [];
    let active = 0;
    let most = 0;
    const task =
      (name: string, fail = false) =>
      async () => {
        active++;
        most = Math.max(most, active);
        log.push(`start ${name}`);
        await tick();
        active--;
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      limiter.run(task('a')),
      limiter.run(task('b', true)),
      limiter.run(task('c')),
      limiter.run(task('d')),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(most).toBe(2);
    expect(log.slice(0, 2)).toEqual(['start a', 'start b']);
    expect(limiter.active + limiter.pending).toBe(0);
  });

  it('does not start a queued task whose signal aborted, and rejects it with the reason', async () => {
    const limiter = createLimiter(1);
    const controller = new AbortController();
    let started = 0;
    const first = limiter.run(async () => {
      started++;
      await tick();
    });
    const second = limiter.run(async () => {
      started++;
    }, controller.signal);
    controller.abort(new Error('gone'));
    await first;
    await expect(second).rejects.toThrow('gone');
    expect(started).toBe(1);
    expect(() => createLimiter(0)).toThrow(/positive integer/);
  });
});
