import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@prefplay/core/node';
import type { RunSummary } from '@prefplay/trainers';
import { type Browser, chromium } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleGames } from '../src/exact-game-view.js';
import { finalTableColumns, formatMetric } from '../src/final-table.js';
import { parseLabSettings } from '../src/lab-settings.js';
import { mainJobConfig } from '../src/main-job-config.js';
import { runLabExperiment } from '../src/run-lab-experiment.js';

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

/** The quick preset run in Node by the same code, on the wasm backend: the reference for the page. */
async function runInNode(): Promise<RunSummary> {
  await initBackend({ backend: 'wasm' });
  return JSON.parse(JSON.stringify(await runLabExperiment(mainJobConfig(parseLabSettings({ preset: 'quick' })))));
}

/** The final table of a summary as the page renders it (`finalTable`), as cells: header, then one row per method. */
function expectedTable(summary: RunSummary): string[][] {
  const entries = Object.entries(summary.methods);
  const columns = finalTableColumns.filter((c) =>
    entries.some(([, m]) => m.iterations.some((r) => Number.isFinite(r[c.key]))),
  );
  return [
    ['method', 'iter', ...columns.map((c) => c.label)],
    ...entries.map(([name, m]) => {
      const last = m.iterations[m.iterations.length - 1];
      return [name, String(last?.iteration ?? '–'), ...columns.map((c) => formatMetric(last?.[c.key]))];
    }),
  ];
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

  it('runs ?preset=quick&autostart=1 to the end and shows the numbers of the same run in Node', async () => {
    const node = runInNode();
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

    const summary = JSON.parse((await page.locator('script#prefplay-summary').textContent()) ?? 'null') as RunSummary;
    const backend = await page.locator('[data-testid="backend"]').getAttribute('data-backend');
    const shown = await page.$$eval('table.final tr', (rows) =>
      rows.map((row) => Array.from(row.children).map((cell) => (cell.textContent ?? '').trim())),
    );
    expect(await page.locator('[data-testid="cli-command"]').textContent()).toBe(
      'prefplay reproduce --quick --overconfidence 4 --methods sppo,s-sppo,iterative-dpo',
    );
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

    const reference = await node;
    expect(summary.seeds).toEqual(reference.seeds);
    expect(summary.config).toEqual(reference.config);
    expect(Object.keys(summary.methods)).toEqual(['sppo', 's-sppo', 'iterative-dpo']);
    if (backend === 'wasm') {
      // the same tfjs-backend-wasm binary and the same JavaScript in Chromium and in Node: every
      // number is identical, not merely close (tolerance 0)
      expect(summary.methods).toEqual(reference.methods);
      expect(shown).toEqual(expectedTable(reference));
    } else {
      // webgl rounds float32 differently from wasm, so the sampled tokens, and from then on the
      // runs, differ: the numbers agree only as estimates (measured: win rates within 2 SE)
      for (const [name, method] of Object.entries(reference.methods)) {
        method.iterations.forEach((row, i) => {
          const other = summary.methods[name]?.iterations[i];
          const se = Math.hypot(row.winRateVsBaseSE ?? 0, other?.winRateVsBaseSE ?? 0);
          expect(Math.abs((other?.winRateVsBase ?? Number.NaN) - (row.winRateVsBase ?? 0))).toBeLessThanOrEqual(4 * se);
        });
      }
      expect(shown[0]).toEqual(expectedTable(reference)[0]);
    }
  });
});
