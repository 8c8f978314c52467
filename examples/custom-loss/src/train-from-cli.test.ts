import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@prefplay/cli';
import { afterAll, describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'prefplay-custom-loss-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function io(cwd: string) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      cwd,
      isTTY: false,
      stdout: (text: string) => {
        out.stdout += text;
      },
      stderr: (text: string) => {
        out.stderr += text;
      },
    },
  };
}

describe('the plugin loss trains from prefplay train', () => {
  it('runs two self-play iterations of simpo beside a built-in method', async () => {
    const run = join(scratch, 'run');
    const { out, io: cliIo } = io(exampleDir);
    expect(await main(['train', 'train.yaml', '--out', run], cliIo), out.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    expect(Object.keys(summary.methods)).toEqual(['iterative-simpo', 'iterative-dpo']);
    expect(summary.methods['iterative-simpo'].iterations.map((r: { iteration: number }) => r.iteration)).toEqual([
      0, 1, 2,
    ]);
    const steps = readFileSync(join(run, 'seed-1', 'iterative-simpo', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((record) => record.kind === 'step');
    expect(steps.length).toBeGreaterThan(0);
    // the plugin's own metric: the steps were computed by simpo, not by a built-in loss
    for (const step of steps) expect(step['loss/simpo']).toBeCloseTo(step.loss, 6);
  });

  it('names a bad option of the plugin loss with its file, line and field', async () => {
    const config = join(scratch, 'bad.yaml');
    writeFileSync(
      config,
      [
        `plugins: [${join(exampleDir, 'dist', 'plugin.js')}]`,
        'methods:',
        '  - loss:',
        '      name: simpo',
        '      options: { betta: 2 }',
        '',
      ].join('\n'),
    );
    const { out, io: cliIo } = io(scratch);
    expect(await main(['train', config, '--check'], cliIo)).toBe(2);
    expect(out.stderr).toMatch(/bad\.yaml:5, field "methods\[0\]\.loss\.options\.betta".*unknown key "betta"/);
  });
});
