import './style.css';
import type { IterationSummary, TrainerProgress } from '@prefplay/trainers';
import { exactGameView } from './exact-game-view.js';
import { finalTable } from './final-table.js';
import type { BrowserBackendChoice } from './init-browser-backend.js';
import type { FromWorker, JudgedPrompt, ToWorker } from './lab-messages.js';
import {
  type LabSettings,
  labBackendNames,
  labMethodNames,
  labSettingsFromQuery,
  parseLabSettings,
} from './lab-settings.js';
import { type ChartSeries, lineChart } from './line-chart.js';
import {
  cliEquivalent,
  cliExperimentConfig,
  mainJobConfig,
  mainJobDefaults,
  mainJobPresets,
} from './main-job-config.js';
import { responseView } from './response-view.js';
import type { LabSummary } from './run-lab-experiment.js';
import { stackedBarChart } from './stacked-bar-chart.js';

const methodColors: Record<string, string> = {
  sppo: '#d9480f',
  's-sppo': '#1971c2',
  'iterative-dpo': '#2f9e44',
  'iterative-ipo': '#9c36b5',
};

const byId = (id: string) => document.getElementById(id) as HTMLElement;

type RunState = {
  status: 'idle' | 'running' | 'done' | 'stopped' | 'failed';
  settings: LabSettings;
  backend?: BrowserBackendChoice;
  baseLosses: { step: number; loss: number }[];
  baseSteps: number;
  baseSeconds?: number;
  iterations: Record<string, IterationSummary[]>;
  progress: Record<string, TrainerProgress>;
  judged: Record<string, Record<number, readonly JudgedPrompt[]>>;
  /** The exact dynamics from the measured base distribution. */
  ideal?: LabSummary['ideal'];
  summary?: LabSummary;
  seconds?: number;
  tensors?: { before: number; after: number };
  error?: string;
  started: number;
};

let settingsError: string | undefined;
let initial: LabSettings;
try {
  initial = labSettingsFromQuery(window.location.search);
} catch (error) {
  settingsError = String((error as Error).message);
  initial = parseLabSettings({});
}

let state: RunState = {
  status: 'idle',
  settings: initial,
  baseLosses: [],
  baseSteps: 0,
  iterations: {},
  progress: {},
  judged: {},
  started: 0,
};

const responses = responseView(byId('responses'));
let worker: Worker | undefined;

// ---- controls -------------------------------------------------------------------------------

function controlsHtml(settings: LabSettings): string {
  const preset = mainJobPresets[settings.preset];
  const methods = settings.methods ?? mainJobDefaults.methods;
  const number = (name: string, label: string, value: number, attributes: string, title: string) =>
    `<label title="${title}">${label} <input name="${name}" type="number" value="${value}" ${attributes} /></label>`;
  return `
    <form id="settings" novalidate>
      <label title="quick = prefplay reproduce --quick; full = prefplay reproduce, one seed">preset
        <select name="preset">${(['quick', 'full'] as const)
          .map((p) => `<option ${p === settings.preset ? 'selected' : ''}>${p}</option>`)
          .join('')}</select></label>
      ${number('seed', 'seed', settings.seed, 'min="0" step="1"', 'seed of the task split, the base policy and every run')}
      ${number('overconfidence', 'κ', settings.overconfidence ?? mainJobDefaults.overconfidence, 'min="0" max="100" step="0.5"', "the judge's overconfidence on same-meaning pairs: P = σ(κ·Δfillers); 0 = the clean truth")}
      ${number('eta', 'η', settings.eta ?? mainJobDefaults.eta, 'min="0.01" step="any"', 'η of the SPPO loss (SPPO and S-SPPO)')}
      ${number('gateLow', 'gate low', settings.gateLow ?? mainJobDefaults.gateLow, 'min="0" max="1" step="0.05"', 'S-SPPO gate: g(s) = 1 at or below this similarity')}
      ${number('gateHigh', 'gate high', settings.gateHigh ?? mainJobDefaults.gateHigh, 'min="0" max="1" step="0.05"', 'S-SPPO gate: g(s) = 0 (preference ½) at or above this similarity')}
      ${number('iterations', 'iterations', settings.iterations ?? preset.iterations, 'min="1" max="100" step="1"', 'self-play iterations per method')}
      <fieldset><legend>methods</legend>${labMethodNames
        .map(
          (m) =>
            `<label><input type="checkbox" name="methods" value="${m}" ${methods.includes(m) ? 'checked' : ''} /> ${m}</label>`,
        )
        .join(' ')}</fieldset>
      <label title="auto: webgl where it starts, else wasm">backend
        <select name="backend">${labBackendNames
          .map((b) => `<option ${b === settings.backend ? 'selected' : ''}>${b}</option>`)
          .join('')}</select></label>
      <button type="submit" id="start">Start</button>
      <button type="button" id="stop" disabled>Stop</button>
    </form>
    <p class="error" id="settings-error" ${settingsError ? '' : 'hidden'}>${settingsError ?? ''}</p>`;
}

function readControls(form: HTMLFormElement): LabSettings {
  const data = new FormData(form);
  const value = (name: string) => Number(data.get(name));
  const preset = data.get('preset') as LabSettings['preset'];
  return parseLabSettings({
    preset,
    seed: value('seed'),
    overconfidence: value('overconfidence'),
    eta: value('eta'),
    gateLow: value('gateLow'),
    gateHigh: value('gateHigh'),
    iterations: value('iterations'),
    methods: data.getAll('methods'),
    backend: data.get('backend'),
  });
}

function settingsQuery(settings: LabSettings): string {
  const params = new URLSearchParams();
  params.set('preset', settings.preset);
  params.set('seed', String(settings.seed));
  const preset = mainJobPresets[settings.preset];
  const put = (key: string, value: number | undefined, preset: number) => {
    if (value !== undefined && value !== preset) params.set(key, String(value));
  };
  put('overconfidence', settings.overconfidence, mainJobDefaults.overconfidence);
  put('eta', settings.eta, mainJobDefaults.eta);
  put('gateLow', settings.gateLow, mainJobDefaults.gateLow);
  put('gateHigh', settings.gateHigh, mainJobDefaults.gateHigh);
  put('iterations', settings.iterations, preset.iterations);
  const methods = settings.methods ?? mainJobDefaults.methods;
  if (methods.join(',') !== mainJobDefaults.methods.join(',')) params.set('methods', methods.join(','));
  if (settings.backend !== 'auto') params.set('backend', settings.backend);
  return `?${params.toString()}`;
}

function mountControls() {
  const root = byId('controls');
  root.innerHTML = controlsHtml(state.settings);
  const form = root.querySelector('form') as HTMLFormElement;
  const errorBox = byId('settings-error');
  const preset = form.elements.namedItem('preset') as HTMLSelectElement;
  preset.addEventListener('change', () => {
    const iterations = form.elements.namedItem('iterations') as HTMLInputElement;
    iterations.value = String(mainJobPresets[preset.value as LabSettings['preset']].iterations);
    renderCli(safeRead(form) ?? state.settings);
  });
  form.addEventListener('input', () => renderCli(safeRead(form) ?? state.settings));
  const safeRead = (f: HTMLFormElement) => {
    try {
      const settings = readControls(f);
      errorBox.hidden = true;
      return settings;
    } catch (error) {
      errorBox.textContent = String((error as Error).message);
      errorBox.hidden = false;
      return undefined;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const settings = safeRead(form);
    if (settings) start(settings);
  });
  byId('stop').addEventListener('click', stop);
}

// ---- run ------------------------------------------------------------------------------------

function start(settings: LabSettings) {
  const config = mainJobConfig(settings);
  state = {
    status: 'running',
    settings,
    baseLosses: [],
    baseSteps: config.base.steps ?? 0,
    iterations: Object.fromEntries(config.methods.map((m) => [m.method, []])),
    progress: {},
    judged: {},
    started: performance.now(),
  };
  document.getElementById('prefplay-summary')?.remove();
  document.body.dataset.labState = 'running';
  window.history.replaceState(null, '', settingsQuery(settings));
  renderCli(settings);
  schedule();
  worker?.terminate();
  worker = new Worker(new URL('./lab-worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('message', receive);
  worker.addEventListener('error', (event) => {
    state.status = 'failed';
    state.error = `the worker failed: ${event.message || 'see the browser console'}`;
    document.body.dataset.labState = 'failed';
    schedule();
  });
  const message: ToWorker = { type: 'start', config, backend: settings.backend };
  worker.postMessage(message);
}

/** Ends the run at once: the worker, its tfjs backend and all its memory go away. */
function stop() {
  worker?.terminate();
  worker = undefined;
  state.status = 'stopped';
  state.seconds = (performance.now() - state.started) / 1000;
  document.body.dataset.labState = 'stopped';
  schedule();
}

function publishSummary(summary: LabSummary) {
  const tag = document.createElement('script');
  tag.type = 'application/json';
  tag.id = 'prefplay-summary';
  // JSON inside a script element: escape "<" so that no "</script>" can end it early
  tag.textContent = JSON.stringify(summary, null, 2).replace(/</g, '\\u003c');
  document.body.appendChild(tag);
}

function receive(event: MessageEvent<FromWorker>) {
  // a message of a worker that was stopped before it arrived belongs to no run
  if (event.target !== worker) return;
  const message = event.data;
  switch (message.type) {
    case 'backend':
      state.backend = message.choice;
      break;
    case 'base-step':
      state.baseLosses.push({ step: message.step, loss: message.loss });
      state.baseSteps = message.steps;
      break;
    case 'base-ready':
      state.baseSeconds = message.seconds;
      break;
    case 'ideal':
      state.ideal = message.ideal;
      break;
    case 'progress':
      state.progress[message.method] = message.progress;
      break;
    case 'iteration':
      state.iterations[message.method] = [...(state.iterations[message.method] ?? []), message.summary];
      break;
    case 'judged':
      state.judged[message.method] = { ...state.judged[message.method], [message.iteration]: message.prompts };
      responses.update(state.judged);
      break;
    case 'done':
      state.status = 'done';
      state.summary = message.summary;
      state.ideal = message.summary.ideal;
      state.seconds = message.seconds;
      state.tensors = message.tensors;
      state.iterations = Object.fromEntries(
        Object.entries(message.summary.methods).map(([name, m]) => [name, [...m.iterations]]),
      );
      publishSummary(message.summary);
      document.body.dataset.labState = 'done';
      break;
    case 'failed':
      state.status = 'failed';
      state.error = message.message;
      document.body.dataset.labState = 'failed';
      break;
  }
  schedule(message.type === 'progress' ? 'status' : 'all');
}

// ---- rendering ------------------------------------------------------------------------------

let pending: 'status' | 'all' | undefined;
function schedule(what: 'status' | 'all' = 'all') {
  if (pending === 'all') return;
  const first = pending === undefined;
  pending = what;
  if (first) {
    requestAnimationFrame(() => {
      const full = pending === 'all';
      pending = undefined;
      renderStatus();
      if (full) {
        renderPlots();
        renderTable();
      }
    });
  }
}

function renderCli(settings: LabSettings) {
  const { command, differences } = cliEquivalent(settings);
  const config = mainJobConfig(settings);
  const json = JSON.stringify(cliExperimentConfig(config), null, 2);
  const href = URL.createObjectURL(new Blob([`${json}\n`], { type: 'application/json' }));
  byId('cli').innerHTML = `
    <p>The same run from the command line (on the wasm backend its training and evaluation numbers for this cell are the page's, bit for bit):
      <code data-testid="cli-command">${command}</code>
      ${
        differences.length > 0
          ? `<span class="differs">Differs from the <b>${settings.preset}</b> preset of <code>prefplay reproduce</code>: ${differences.join('; ')}.</span>`
          : `<span class="same">This is the κ = ${mainJobDefaults.overconfidence} cell of <code>prefplay reproduce${settings.preset === 'quick' ? ' --quick' : ''}</code>${settings.preset === 'full' ? ' for one seed (the CLI runs seeds 1 to 5, under κ = 0 and 4)' : ' (the CLI also runs κ = 0)'}, trained and evaluated alike.</span>`
      }</p>
    <details><summary>experiment config (<a href="${href}" download="lab-config.json">lab-config.json</a>, for <code>prefplay train</code>)</summary><pre>${json}</pre></details>`;
}

function describeProgress(progress: TrainerProgress | undefined): string {
  if (progress === undefined) return 'waiting for the base policy';
  const phase = progress.phase === 'train' ? `train step ${progress.done}/${progress.total}` : progress.phase;
  return `iteration ${progress.iteration}/${progress.iterations}, ${phase}`;
}

/** A backend's failure or skip reason, without the renderer's full driver string. */
function shortDetail(detail: string | undefined): string {
  if (detail === undefined) return 'no reason given';
  const software = /swiftshader|llvmpipe|softpipe/i.exec(detail);
  return software ? `software renderer (${software[0]}), slower than wasm` : detail;
}

function renderStatus() {
  const s = state;
  const elapsed = s.status === 'idle' ? 0 : ((s.seconds ?? (performance.now() - s.started) / 1000) as number);
  const backend = s.backend
    ? `<span data-testid="backend" data-backend="${s.backend.backend}">${s.backend.backend}</span> (${s.backend.detail}${s.backend.attempts
        .filter((a) => a.outcome !== 'selected')
        .map((a) => `; ${a.backend} ${a.outcome === 'skipped' ? 'skipped' : 'did not start'}: ${shortDetail(a.detail)}`)
        .join('')})`
    : '–';
  const base =
    s.baseSeconds !== undefined
      ? `base policy and base sample ready in ${s.baseSeconds.toFixed(1)} s`
      : s.baseLosses.length > 0
        ? `base policy SFT step ${s.baseLosses.length}/${s.baseSteps}`
        : s.status === 'running'
          ? 'starting'
          : '';
  const methods = Object.keys(s.iterations)
    .map(
      (m) =>
        `<li><span class="swatch" style="background:${methodColors[m] ?? '#495057'}"></span>${m}: ${
          s.status === 'done' ? 'done' : describeProgress(s.progress[m])
        }</li>`,
    )
    .join('');
  const label =
    s.status === 'done'
      ? `done in ${elapsed.toFixed(1)} s`
      : s.status === 'running'
        ? `running, ${elapsed.toFixed(0)} s`
        : s.status === 'stopped'
          ? 'stopped'
          : s.status === 'failed'
            ? 'failed'
            : 'ready: press Start';
  byId('status').innerHTML = `
    <p><b data-testid="run-status">${label}</b> · backend ${backend} · ${base}</p>
    <ul class="method-progress">${methods}</ul>
    ${
      s.backend && s.backend.backend !== 'wasm'
        ? `<p class="differs">On ${s.backend.backend} the kernels round float32 differently from wasm, so the samples, and from then on the runs, differ from the CLI's: the numbers agree only as estimates. Choose backend wasm to get the CLI's numbers exactly.</p>`
        : ''
    }
    ${s.error ? `<p class="error" data-testid="run-error">${s.error}</p>` : ''}`;
  (byId('start') as HTMLButtonElement).disabled = s.status === 'running';
  (byId('stop') as HTMLButtonElement).disabled = s.status !== 'running';
  byId('footer').textContent = s.tensors
    ? `tfjs tensors alive: ${s.tensors.before} before the run, ${s.tensors.after} after.`
    : '';
}

function methodSeries(key: string, options: { seKey?: string } = {}): ChartSeries[] {
  return Object.entries(state.iterations).map(([name, rows]) => {
    const finite = rows.filter((r) => Number.isFinite(r[key]));
    const band = options.seKey
      ? finite.flatMap((r) => {
          const y = r[key] as number;
          const se = r[options.seKey as string];
          return se !== undefined && Number.isFinite(se)
            ? [{ x: r.iteration, low: y - 1.96 * se, high: y + 1.96 * se }]
            : [];
        })
      : [];
    return {
      name,
      color: methodColors[name] ?? '#495057',
      points: finite.map((r) => ({ x: r.iteration, y: r[key] as number })),
      ...(band.length > 0 ? { bands: [{ points: band, opacity: 0.18 }] } : {}),
    };
  });
}

/** The colour of an exact dynamics: that of the method it is the ideal of (as in the CLI's report). */
function idealColor(name: string): string {
  if (name.startsWith('exact S-SPPO')) return methodColors['s-sppo'] as string;
  if (name.startsWith('exact SPPO')) return methodColors.sppo as string;
  return '#868e96';
}

/** The exact SPPO / S-SPPO curves of a metric, dashed. */
function idealSeries(key: string): ChartSeries[] {
  return Object.entries(state.ideal ?? {}).map(([name, curve]) => ({
    name,
    color: idealColor(name),
    dashed: true,
    dots: false,
    points: curve.iterations
      .filter((r) => Number.isFinite(r[key]))
      .map((r) => ({ x: r.iteration, y: r[key] as number })),
  }));
}

/** One legend entry per method, then one for the dashed exact dynamics. */
function legendWithIdeal(series: readonly ChartSeries[]) {
  const methods = series.filter((s) => !s.dashed).map((s) => ({ name: s.name, color: s.color }));
  return state.ideal && Object.keys(state.ideal).length > 0
    ? [...methods, { name: 'exact', color: '#868e96', dashed: true }]
    : methods;
}

const gateSegments = [
  { name: 'g = 0 (preference set to ½)', color: '#e03131' },
  { name: '0 < g < 1', color: '#fab005' },
  { name: 'g = 1 (passes)', color: '#74b816' },
];

/** How many sampled pairs (i < j) the gate shut, damped and passed. */
function gateCounts(prompts: readonly JudgedPrompt[]): number[] {
  const counts = [0, 0, 0];
  for (const prompt of prompts) {
    const gate = prompt.gate ?? [];
    for (let i = 0; i < gate.length; i++) {
      for (let j = i + 1; j < gate.length; j++) {
        const g = gate[i]?.[j] ?? Number.NaN;
        const bin = g <= 0 ? 0 : g >= 1 ? 2 : 1;
        counts[bin] = (counts[bin] as number) + 1;
      }
    }
  }
  return counts;
}

function renderPlots() {
  const iterations = state.settings.iterations ?? mainJobPresets[state.settings.preset].iterations;
  const plots = byId('plots');
  const charts: (SVGSVGElement | readonly [SVGSVGElement, string])[] = [];
  charts.push(
    lineChart({
      title: 'Base policy: SFT loss',
      xLabel: 'step',
      series: [
        {
          name: 'SFT',
          color: '#495057',
          dots: false,
          points: state.baseLosses.map((p) => ({ x: p.step, y: p.loss })),
        },
      ],
      empty: 'the base policy is fitted first',
    }),
  );
  const common = { xLabel: 'iteration', integerX: true, xMin: 0, xMax: iterations, legend: true } as const;
  const evaluation = mainJobPresets[state.settings.preset].evaluation;
  const k = mainJobPresets[state.settings.preset].samplesPerPrompt;
  /** A metric's learned curves and its exact ones, with the legend of both. */
  const withIdeal = (key: string, options: { seKey?: string } = {}) => {
    const series = [...methodSeries(key, options), ...idealSeries(key)];
    return { series, legend: legendWithIdeal(series) };
  };
  charts.push([
    lineChart({
      ...common,
      title: 'True win rate vs base (±1.96 SE)',
      ...withIdeal('winRateVsBase', { seKey: 'winRateVsBaseSE' }),
      reference: 0.5,
    }),
    `Each iteration's own ${evaluation.samplesPerPrompt} samples per held-out prompt against one shared base sample (${evaluation.baseSamplesPerPrompt} per prompt), by the truth; the band's standard error includes the base sample's noise. Dashed: exact SPPO / S-SPPO from the measured base distribution.`,
  ]);
  charts.push([
    lineChart({ ...common, title: 'Exact exploitability over meanings', ...withIdeal('exploitability'), reference: 0 }),
    "max over the topic's claims c of E P(c ≻ sample) − ½ under the truth: exact over meanings, no pool.",
  ]);
  charts.push(lineChart({ ...common, title: 'Filler tokens per response', ...withIdeal('fillers'), yMin: 0 }));
  charts.push([
    lineChart({ ...common, title: `Distinct meanings among ${k} samples`, ...withIdeal('distinctMeanings'), yMin: 0 }),
    `Expected number of distinct meanings (claims, or malformed) among ${k} draws, rarefied from the iteration's samples.`,
  ]);
  const gated = Object.keys(state.judged).filter((m) =>
    Object.values(state.judged[m] ?? {}).some((prompts) => prompts.some((p) => p.gate !== undefined)),
  );
  for (const name of gated.length > 0 ? gated : ['s-sppo']) {
    charts.push(
      stackedBarChart({
        title: `Gate g(s) on ${name}'s sampled pairs`,
        xLabel: 'iteration',
        segments: gateSegments,
        empty: 'S-SPPO gates pairs from its first self-play iteration on',
        bars: Object.entries(state.judged[name] ?? {}).map(([iteration, prompts]) => {
          const counts = gateCounts(prompts);
          const mean = state.iterations[name]?.find((r) => r.iteration === Number(iteration))?.['gate/mean'];
          return {
            x: Number(iteration),
            values: counts,
            ...(mean !== undefined ? { label: `mean ${mean.toFixed(3)}` } : {}),
          };
        }),
      }),
    );
  }
  charts.push(
    lineChart({ ...common, title: 'Well-formed responses', ...withIdeal('wellFormed'), yMax: 1, reference: 1 }),
  );
  charts.push([
    lineChart({
      ...common,
      title: 'Fraction of the exact step realised',
      series: methodSeries('stepFraction').filter((series) => series.points.length > 0),
      reference: 1,
      empty: 'SPPO and S-SPPO have one from their first self-play iteration on',
    }),
    "The measured change of the distribution over meaning types projected on the exact step from the previous iteration's: 1 is what exact SPPO / S-SPPO would do, 0 nothing.",
  ]);
  plots.replaceChildren(
    ...charts.map((entry) => {
      const figure = document.createElement('figure');
      const [chart, caption] = Array.isArray(entry) ? entry : [entry as SVGSVGElement, undefined];
      figure.appendChild(chart);
      if (caption !== undefined) {
        const text = document.createElement('figcaption');
        text.textContent = caption;
        figure.appendChild(text);
      }
      return figure;
    }),
  );
}

function renderTable() {
  const rows = Object.values(state.iterations).some((r) => r.length > 0);
  byId('final-table').innerHTML = rows
    ? `${finalTable({
        methods: state.iterations,
        ...(state.ideal ? { ideal: state.ideal } : {}),
        ...(state.summary ? { comparisons: state.summary.comparisons } : {}),
      })}${
        state.status === 'done'
          ? ''
          : '<p class="hint">The difference to SPPO (paired on the base sample) is computed when all methods are done.</p>'
      }`
    : '<p class="hint">The table fills in as iterations finish.</p>';
}

// ---- start ----------------------------------------------------------------------------------

mountControls();
renderCli(state.settings);
exactGameView(byId('game'));
schedule();
document.body.dataset.labState = 'idle';
if (state.settings.autostart && settingsError === undefined) start(state.settings);
