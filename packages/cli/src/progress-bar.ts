import type { CliIo } from './command.js';

export type ProgressBar = {
  /** Redraws the bar at `done / total` with an optional detail on the right. */
  update(done: number, total: number, detail?: string): void;
  /** Ends the bar's line (prints nothing when the bar never drew). */
  finish(): void;
};

/**
 * A one-line progress bar on stderr, redrawn in place with `\r`; silent unless stderr is a
 * terminal, so logs and pipes stay clean. Redraws at most every `intervalMs`.
 */
export function createProgressBar(
  io: CliIo,
  label: string,
  options: { readonly intervalMs?: number } = {},
): ProgressBar {
  const width = 24;
  const interval = options.intervalMs ?? 100;
  let last = 0;
  let drawn = false;
  const started = Date.now();
  return {
    update(done, total, detail) {
      if (!io.isTTY) return;
      const now = Date.now();
      if (now - last < interval && done < total) return;
      last = now;
      const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
      const filled = Math.round(fraction * width);
      const seconds = ((now - started) / 1000).toFixed(0);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      io.stderr(`\r\x1b[2K${label} ${bar} ${done}/${total} ${seconds}s${detail ? ` ${detail}` : ''}`);
      drawn = true;
    },
    finish() {
      if (io.isTTY && drawn) io.stderr('\n');
      drawn = false;
    },
  };
}
