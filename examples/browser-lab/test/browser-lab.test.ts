import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@prefplay/cli';
import { initBackend } from '@prefplay/core/node';
import { type Browser, chromium } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleGames } from '../src/exact-game-view.js';
import { finalTableRows } from '../src/final-table.js';
import { parseLabSettings } from '../src/lab-settings.js';
import { mainJobConfig } from '../src/main-job-config.js';
import type { LabSummary } from '../src/run-lab-experiment.js';
import { type CliSummary, cliCellOf, labCellOf, tableInputOf } from './cli-summary-cell.js';

// Debian's chromium (apt-get install -y chromium); playwright's own browser download cannot work here
const chromiumPath = process.env.PREFPLAY_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
if (!hasChromium) {
  console.warn(
    `browser-lab: skipping the headless browser test: no Chromium at ${chromiumPath} ` +
      '(install it with `apt-get install -y chromium`, or point PREFPLAY_CHROMIUM at one)',
  );
}

const root = fileURLToPath(new URL('..', import.meta.url));
const screenshot = join(root, 'test-output', 'browser-lab.png');
// the pictures in the READMEs: the top of the page (controls, plots, final table) and the rest
// (sampled responses with the judge's verdicts, the exact game)
const screenshotTop = join(root, 'test-output', 'browser-lab-top.png');
const screenshotBottom = join(root, 'test-output', 'browser-lab-bottom.png');
// the flags of a headless Chromium on a machine with a closed network, started as root
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The CLI command the page prints for the quick preset. */
const quickCommand = 'prefplay reproduce --quick --overconfidence 4 --methods sppo,s-sppo,iterative-dpo';

/** That command run by the CLI in Node on the wasm backend: the reference for the page. */
async function runCliInNode(command: string, out: string): Promise<CliSummary> {
  await initBackend({ backend: 'wasm' });
  let stderr = '';
  const code = await main([...command.split(' ').slice(1), '--out', out], {
    stdout: () => {},
    stderr: (text) => {
      stderr += text;
    },
    cwd: dirname(out),
    isTTY: false,
  });
  if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr}`);
  return JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as CliSummary;
}

describe.skipIf(!hasChromium)('the lab in headless Chromium', () => {
  let directory: string;
  let server: PreviewServer;
  let browser: Browser;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'prefplay-browser-lab-'));
    const outDir = join(directory, 'site');
    // the static folder `pnpm lab:build` writes, built from the sources under test
    await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    server = await preview({ root, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('runs ?preset=quick&autostart=1 to the end and shows the numbers of the CLI command it prints', async () => {
    // the command runs in Node while the page runs in Chromium
    const node = runCliInNode(quickCommand, join(directory, 'cli-run'));
    const url = server.resolvedUrls?.local[0];
    expect(url, 'the preview server has no local URL').toBeDefined();
    const page = await browser.newPage({ viewport: { width: 1320, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${url}?preset=quick&autostart=1`);
    await page.waitForFunction(() => ['done', 'failed'].includes(document.body.dataset.labState ?? ''), null, {
      timeout: 110_000,
      polling: 250,
    });
    const state = await page.evaluate(() => document.body.dataset.labState);
    const error = await page.locator('[data-testid="run-error"]').allTextContents();
    expect(state, `the run failed: ${error.join(' ')} ${problems.join(' ')}`).toBe('done');
    expect(problems).toEqual([]);

    const summary = JSON.parse((await page.locator('script#prefplay-summary').textContent()) ?? 'null') as LabSummary;
    const backend = await page.locator('[data-testid="backend"]').getAttribute('data-backend');
    const shown = await page.$$eval('table.final tr', (rows) =>
      rows.map((row) => Array.from(row.children).map((cell) => (cell.textContent ?? '').trim())),
    );
    expect(await page.locator('[data-testid="cli-command"]').textContent()).toBe(quickCommand);
    // every shown response marks as many filler words as the task's parser counts
    const responses = await page.$$eval('[data-testid="responses"] li', (items) =>
      items.map((item) => ({
        marked: item.querySelectorAll('mark.filler').length,
        counted: Number.parseInt(item.querySelector('.filler-count')?.textContent ?? '', 10),
      })),
    );
    expect(responses.length).toBe(4);
    for (const r of responses) expect(r.marked).toBe(r.counted);
    // the exact game opens on weighted rock-paper-scissors. Its von Neumann winner in closed form:
    // with A = M − ½ skew-symmetric and a = A₀₁, b = A₀₂, c = A₁₂, A·(c, −b, a) = 0, so the interior
    // equilibrium is (c, −b, a) normalised
    const m = exampleGames['weighted rock-paper-scissors']?.matrix ?? [];
    const at = (i: number, j: number) => (m[i]?.[j] ?? Number.NaN) - 0.5;
    const direction = [at(1, 2), -at(0, 2), at(0, 1)];
    const total = direction.reduce((s, v) => s + v, 0);
    const moves = await page.$$eval('[data-testid="game-winner"] [data-move]', (cells) =>
      cells.map((cell) => cell.textContent),
    );
    expect(moves).toEqual(direction.map((v) => (v / total).toFixed(3)));
    await mkdir(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    const table = await page.locator('table.final').boundingBox();
    const pageHeight = await page.evaluate(() => document.documentElement.scrollHeight);
    if (table) {
      const split = Math.ceil(table.y + table.height + 12);
      await page.screenshot({ path: screenshotTop, fullPage: true, clip: { x: 0, y: 0, width: 1320, height: split } });
      await page.screenshot({
        path: screenshotBottom,
        fullPage: true,
        clip: { x: 0, y: split, width: 1320, height: pageHeight - split },
      });
    }

    const cli = await node;
    const reference = cliCellOf(cli, 1);
    const mine = labCellOf(summary);
    expect(summary.seeds).toEqual(cli.seeds);
    expect(summary.config).toEqual(JSON.parse(JSON.stringify(mainJobConfig(parseLabSettings({ preset: 'quick' })))));
    expect(Object.keys(mine.methods)).toEqual(['sppo', 's-sppo', 'iterative-dpo']);
    expect(mine.cell).toBe(reference.cell);
    // the page draws the exact dynamics and shows the paired differences the CLI reports
    expect(Object.keys(mine.ideal)).toEqual(['exact SPPO', 'exact S-SPPO']);
    expect(mine.comparisons.map((c) => c.first)).toEqual(['s-sppo', 'iterative-dpo']);
    if (backend === 'wasm') {
      // the same tfjs-backend-wasm binary and the same JavaScript in Chromium and in Node: every
      // number of the cell, training and the pre-registered evaluation alike, is the CLI's
      // (tolerance 0), and the table shows them
      expect(mine).toEqual(reference);
      expect(shown).toEqual(finalTableRows(tableInputOf(reference)));
    } else {
      // webgl rounds float32 differently from wasm, so the sampled tokens, and from then on the
      // runs, differ: the numbers agree only as estimates (measured: win rates within 2 SE)
      for (const [name, method] of Object.entries(reference.methods)) {
        (method.iterations ?? []).forEach((row, i) => {
          const other = mine.methods[name]?.iterations[i];
          const se = Math.hypot(row.winRateVsBaseSE ?? 0, other?.winRateVsBaseSE ?? 0);
          expect(Math.abs((other?.winRateVsBase ?? Number.NaN) - (row.winRateVsBase ?? 0))).toBeLessThanOrEqual(4 * se);
        });
      }
      expect(shown[0]).toEqual(finalTableRows(tableInputOf(reference))[0]);
    }
  });
});
