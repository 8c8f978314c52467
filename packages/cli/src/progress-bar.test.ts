import { describe, expect, it } from 'vitest';
import type { CliIo } from './command.js';
import { createProgressBar } from './progress-bar.js';

function io(isTTY: boolean): CliIo & { err: string } {
  const out = {
    err: '',
    cwd: '.',
    isTTY,
    stdout: () => {},
    stderr: (t: string) => {
      out.err += t;
    },
  };
  return out;
}

describe('createProgressBar', () => {
  it('draws in place on a terminal and stays silent otherwise', () => {
    const tty = io(true);
    const bar = createProgressBar(tty, 'train', { intervalMs: 0 });
    bar.update(1, 4, 'sample');
    bar.update(4, 4);
    bar.finish();
    const clear = '\r\u001b[2K';
    const draws = tty.err.split(clear);
    expect(draws[0]).toBe('');
    expect(draws[1]).toMatch(/^train █{6}░{18} 1\/4 \d+s sample$/);
    expect(draws[2]).toMatch(/^train █{24} 4\/4 \d+s\n$/);
    const pipe = io(false);
    const quiet = createProgressBar(pipe, 'train');
    quiet.update(1, 2);
    quiet.finish();
    expect(pipe.err).toBe('');
  });
});
