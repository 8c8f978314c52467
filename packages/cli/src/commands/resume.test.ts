import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io.js';
import { main } from '../cli.js';

const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'prefplay-resume-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Starts `prefplay reproduce --quick --out out` and SIGKILLs it once `marker` exists. */
function killWhen(out: string, marker: string): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'reproduce', '--quick', '--out', out], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const timer = setInterval(() => {
      if (existsSync(join(out, marker))) child.kill('SIGKILL');
    }, 20);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearInterval(timer);
      resolve(signal);
    });
  });
}

describe('prefplay reproduce --resume', () => {
  it('continues a run killed with SIGKILL to the summary.json of an uninterrupted run, byte for byte', async () => {
    const straight = join(scratch, 'straight');
    expect(await main(['reproduce', '--quick', '--out', straight], captureIo(scratch))).toBe(0);

    const crashed = join(scratch, 'crashed');
    // killed in the middle of the second method, after its first checkpoint
    const signal = await killWhen(
      crashed,
      join('seed-1', 'kappa-0-concision-1-share-0.667', 's-sppo', 'checkpoints', 'iteration-0001.ckpt'),
    );
    expect(signal).toBe('SIGKILL');
    expect(existsSync(join(crashed, 'summary.json'))).toBe(false);

    // the directory is not silently reused
    const refused = captureIo(scratch);
    expect(await main(['reproduce', '--quick', '--out', crashed], refused)).toBe(2);
    expect(refused.err).toContain(`the run directory ${crashed} already exists and is not empty`);

    expect(await main(['reproduce', '--quick', '--out', crashed, '--resume'], captureIo(scratch))).toBe(0);
    expect(readFileSync(join(crashed, 'summary.json'), 'utf8')).toBe(
      readFileSync(join(straight, 'summary.json'), 'utf8'),
    );
  });

  it('refuses to resume under other flags', async () => {
    const out = join(scratch, 'straight');
    const io = captureIo(scratch);
    expect(await main(['reproduce', '--quick', '--out', out, '--resume', '--seeds', '2'], io)).toBe(2);
    expect(io.err).toMatch(/started with a different config/);
  });
});
