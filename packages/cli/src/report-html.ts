import type { IterationSummary, RunSummary } from '@prefplay/trainers';
import { escapeHtml } from './escape-html.js';
import { type LinePlotSeries, plotPalette, renderLinePlotSvg } from './line-plot-svg.js';

/** One line plot of the report: a metric per iteration, one line per method. */
export type ReportPanel = {
  readonly title: string;
  readonly key: string;
  /** Key of a standard error drawn as a ±1.96·SE band. */
  readonly seKey?: string;
  /** Keys of a lower and upper band (e.g. quantiles). */
  readonly bandKeys?: readonly [string, string];
  /** A horizontal reference line (e.g. 0.5 for win rates). */
  readonly reference?: number;
};

export const defaultReportPanels: readonly ReportPanel[] = [
  { title: 'True win rate vs base (±1.96 SE)', key: 'winRateVsBase', seKey: 'winRateVsBaseSE', reference: 0.5 },
  { title: 'Exploitability against the pool', key: 'exploitability', reference: 0 },
  { title: 'Mean response length (tokens)', key: 'meanLength' },
  { title: 'Repetition rate', key: 'repetitionRate' },
  { title: 'Distinct-2', key: 'distinct2' },
  { title: 'Gate g(s): mean and 10–90 % band', key: 'gate/mean', bandKeys: ['gate/q10', 'gate/q90'] },
  {
    title: 'Semantic similarity s: mean and 10–90 % band',
    key: 'similarity/mean',
    bandKeys: ['similarity/q10', 'similarity/q90'],
  },
  { title: 'Log-prob change of chosen under π_θ vs π_t', key: 'logps/chosen_change', reference: 0 },
  { title: 'Log-prob change of rejected under π_θ vs π_t', key: 'logps/rejected_change', reference: 0 },
];

/** A column of the final table: a metric of the last iteration. */
export type ReportColumn = { readonly key: string; readonly label: string };

export const defaultTableColumns: readonly ReportColumn[] = [
  { key: 'winRateVsBase', label: 'win rate vs base' },
  { key: 'winRateVsBaseSE', label: 'SE' },
  { key: 'exploitability', label: 'exploitability' },
  { key: 'meanLength', label: 'mean length' },
  { key: 'repetitionRate', label: 'repetition' },
  { key: 'distinct2', label: 'distinct-2' },
  { key: 'gate/mean', label: 'mean g(s)' },
  { key: 'logps/chosen_change', label: 'Δ logp chosen' },
  { key: 'logps/rejected_change', label: 'Δ logp rejected' },
];

function format(value: number | undefined, digits = 3): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (value !== 0 && Math.abs(value) < 10 ** -digits) return value.toExponential(1);
  return value.toFixed(Math.abs(value) >= 100 ? 1 : digits);
}

function metricOf(row: IterationSummary, key: string): number | undefined {
  const v = row[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The band of a panel at one row: ±1.96 SE around `y`, or the two band metrics. */
function bandOf(panel: ReportPanel, row: IterationSummary, y: number): [number, number] | undefined {
  const se = panel.seKey ? metricOf(row, panel.seKey) : undefined;
  if (se !== undefined) return [y - 1.96 * se, y + 1.96 * se];
  if (!panel.bandKeys) return undefined;
  const low = metricOf(row, panel.bandKeys[0]);
  const high = metricOf(row, panel.bandKeys[1]);
  return low !== undefined && high !== undefined ? [low, high] : undefined;
}

/** An inline SVG line plot of one panel, one line per method; undefined when no method has the metric. */
export function renderPanelSvg(
  panel: ReportPanel,
  series: readonly { readonly name: string; readonly rows: readonly IterationSummary[] }[],
): string | undefined {
  return renderLinePlotSvg({
    title: panel.title,
    xLabel: 'iteration',
    width: 540,
    ...(panel.reference !== undefined ? { reference: panel.reference } : {}),
    series: series.map((s, i): LinePlotSeries => {
      const points: [number, number][] = [];
      const band: [number, number, number][] = [];
      for (const row of s.rows) {
        const y = metricOf(row, panel.key);
        if (y === undefined) continue;
        points.push([row.iteration, y]);
        const around = bandOf(panel, row, y);
        if (around !== undefined) band.push([row.iteration, ...around]);
      }
      const color = plotPalette[i % plotPalette.length] as string;
      return { name: s.name, color, style: 'mean', points, ...(band.length > 0 ? { band } : {}) };
    }),
  });
}

/** The final table: the last iteration of each method. */
export function renderFinalTable(
  summary: RunSummary,
  tableColumns: readonly ReportColumn[] = defaultTableColumns,
): string {
  const methods = Object.entries(summary.methods);
  const columns = tableColumns.filter((c) =>
    methods.some(([, m]) => m.iterations.some((r) => metricOf(r, c.key) !== undefined)),
  );
  const header = `<tr><th>method</th><th>iteration</th>${columns.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('')}</tr>`;
  const rows = methods.map(([name, m]) => {
    const last = m.iterations[m.iterations.length - 1];
    const cells = columns.map((c) => `<td>${format(last ? metricOf(last, c.key) : undefined)}</td>`).join('');
    return `<tr><th>${escapeHtml(name)}</th><td>${last?.iteration ?? '–'}</td>${cells}</tr>`;
  });
  return `<table>${header}${rows.join('')}</table>`;
}

/** A plain-text version of the final table, for the terminal. */
export function formatFinalTable(
  summary: RunSummary,
  tableColumns: readonly ReportColumn[] = defaultTableColumns,
): string {
  const methods = Object.entries(summary.methods);
  const columns = tableColumns.filter((c) =>
    methods.some(([, m]) => m.iterations.some((r) => metricOf(r, c.key) !== undefined)),
  );
  const header = ['method', 'iter', ...columns.map((c) => c.label)];
  const body = methods.map(([name, m]) => {
    const last = m.iterations[m.iterations.length - 1];
    return [
      name,
      String(last?.iteration ?? '–'),
      ...columns.map((c) => format(last ? metricOf(last, c.key) : undefined)),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/**
 * One self-contained HTML page (inline SVG and CSS, no scripts): a line plot per metric with one
 * line per method, then the final table and the config.
 */
export function renderReportHtml(
  summary: RunSummary,
  options: {
    readonly title?: string;
    readonly panels?: readonly ReportPanel[];
    readonly columns?: readonly ReportColumn[];
  } = {},
): string {
  const title = options.title ?? 'prefplay run report';
  const series = Object.entries(summary.methods).map(([name, m]) => ({ name, rows: m.iterations }));
  const plots = (options.panels ?? defaultReportPanels)
    .map((panel) => renderPanelSvg(panel, series))
    .filter((svg): svg is string => svg !== undefined)
    .map((svg) => `<figure>${svg}</figure>`)
    .join('\n');
  const perSeed = Object.entries(summary.methods).some(([, m]) => m.perSeed !== undefined);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 22px; margin: 0 0 4px; }
p.meta { color: #555; margin: 0 0 16px; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 4px; }
table { border-collapse: collapse; margin: 16px 0; background: #fff; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; }
th:first-child { text-align: left; }
pre { background: #fff; border: 1px solid #ddd; padding: 8px; font-size: 12px; overflow-x: auto; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Seeds: ${escapeHtml(summary.seeds.join(', '))}${perSeed ? ' (lines show the mean over seeds)' : ''}. Iteration 0 is the starting policy.</p>
<div class="plots">
${plots}
</div>
<h2>Final iteration</h2>
${renderFinalTable(summary, options.columns)}
<h2>Config</h2>
<pre>${escapeHtml(JSON.stringify(summary.config, null, 2))}</pre>
</body>
</html>
`;
}
