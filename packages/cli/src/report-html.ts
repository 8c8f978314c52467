import type { IterationSummary, RunSummary } from '@prefplay/trainers';

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

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f'];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function format(value: number | undefined, digits = 3): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (value !== 0 && Math.abs(value) < 10 ** -digits) return value.toExponential(1);
  return value.toFixed(Math.abs(value) >= 100 ? 1 : digits);
}

function metricOf(row: IterationSummary, key: string): number | undefined {
  const v = row[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** An inline SVG line plot of one panel; undefined when no method has the metric. */
export function renderLinePlotSvg(
  panel: ReportPanel,
  series: readonly { readonly name: string; readonly rows: readonly IterationSummary[] }[],
): string | undefined {
  const width = 540;
  const height = 300;
  const left = 58;
  const right = 16;
  const legend: { name: string; x: number; y: number }[] = [];
  {
    let x = 58;
    let y = 35;
    for (const s of series.filter((s) => s.rows.some((r) => metricOf(r, panel.key) !== undefined))) {
      const w = 30 + 6.5 * s.name.length;
      if (x + w > width - 16 && x > 58) {
        x = 58;
        y += 14;
      }
      legend.push({ name: s.name, x, y });
      x += w;
    }
  }
  const top = (legend[legend.length - 1]?.y ?? 35) + 13;
  const bottom = 42;
  const colorOf = new Map(series.map((s, i) => [s.name, palette[i % palette.length] as string]));
  const present = series.filter((s) => s.rows.some((r) => metricOf(r, panel.key) !== undefined));
  if (present.length === 0) return undefined;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of present) {
    for (const r of s.rows) {
      const y = metricOf(r, panel.key);
      if (y === undefined) continue;
      xs.push(r.iteration);
      ys.push(y);
      const se = panel.seKey ? metricOf(r, panel.seKey) : undefined;
      if (se !== undefined) ys.push(y - 1.96 * se, y + 1.96 * se);
      for (const band of panel.bandKeys ?? []) {
        const b = metricOf(r, band);
        if (b !== undefined) ys.push(b);
      }
    }
  }
  if (panel.reference !== undefined) ys.push(panel.reference);
  let xMin = Math.min(...xs);
  let xMax = Math.max(...xs);
  if (xMax === xMin) {
    xMin -= 0.5;
    xMax += 0.5;
  }
  let yMin = Math.min(...ys);
  let yMax = Math.max(...ys);
  if (yMax - yMin < 1e-9) {
    const pad = Math.abs(yMax) * 0.1 || 0.05;
    yMin -= pad;
    yMax += pad;
  } else {
    const pad = (yMax - yMin) * 0.06;
    yMin -= pad;
    yMax += pad;
  }
  const px = (x: number) => left + ((x - xMin) / (xMax - xMin)) * (width - left - right);
  const py = (y: number) => top + (1 - (y - yMin) / (yMax - yMin)) * (height - top - bottom);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(panel.title)}">`,
  );
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(`<text x="${left}" y="20" font-size="14" font-weight="600" fill="#222">${escapeHtml(panel.title)}</text>`);
  const yTicks = niceTicks(yMin, yMax);
  const step = yTicks.length > 1 ? (yTicks[1] as number) - (yTicks[0] as number) : 1;
  let digits = 0;
  while (digits < 6 && Math.abs(step * 10 ** digits - Math.round(step * 10 ** digits)) > 1e-6) digits++;
  for (const tick of yTicks) {
    const y = py(tick).toFixed(1);
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${left - 6}" y="${y}" font-size="11" text-anchor="end" dominant-baseline="middle" fill="#555">${tick.toFixed(digits)}</text>`,
    );
  }
  const xTicks = niceTicks(xMin, xMax, Math.min(8, Math.max(1, Math.round(xMax - xMin)))).filter((v) =>
    Number.isInteger(v),
  );
  for (const tick of xTicks) {
    const x = px(tick).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${height - bottom}" y2="${height - bottom + 4}" stroke="#555"/>`);
    parts.push(
      `<text x="${x}" y="${height - bottom + 16}" font-size="11" text-anchor="middle" fill="#555">${tick}</text>`,
    );
  }
  parts.push(
    `<line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#555"/>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#555"/>`,
    `<text x="${(left + width - right) / 2}" y="${height - 6}" font-size="12" text-anchor="middle" fill="#333">iteration</text>`,
  );
  if (panel.reference !== undefined) {
    const y = py(panel.reference).toFixed(1);
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" stroke="#999" stroke-dasharray="4 3"/>`);
  }
  present.forEach((s) => {
    const color = colorOf.get(s.name) as string;
    const rows = s.rows.filter((r) => metricOf(r, panel.key) !== undefined);
    const lower: string[] = [];
    const upper: string[] = [];
    for (const r of rows) {
      const y = metricOf(r, panel.key) as number;
      let lo: number | undefined;
      let hi: number | undefined;
      const se = panel.seKey ? metricOf(r, panel.seKey) : undefined;
      if (se !== undefined) {
        lo = y - 1.96 * se;
        hi = y + 1.96 * se;
      } else if (panel.bandKeys) {
        lo = metricOf(r, panel.bandKeys[0]);
        hi = metricOf(r, panel.bandKeys[1]);
      }
      if (lo !== undefined && hi !== undefined) {
        lower.push(`${px(r.iteration).toFixed(1)},${py(lo).toFixed(1)}`);
        upper.push(`${px(r.iteration).toFixed(1)},${py(hi).toFixed(1)}`);
      }
    }
    if (lower.length >= 2) {
      parts.push(
        `<polygon points="${[...upper, ...lower.reverse()].join(' ')}" fill="${color}" fill-opacity="0.14" stroke="none"/>`,
      );
    }
    const points = rows.map((r) => `${px(r.iteration).toFixed(1)},${py(metricOf(r, panel.key) as number).toFixed(1)}`);
    parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const point of points) {
      const [x, y] = point.split(',');
      parts.push(`<circle cx="${x}" cy="${y}" r="3" fill="${color}"/>`);
    }
  });
  // legend: rows under the title, wrapped to the plot's width
  for (const item of legend) {
    parts.push(
      `<rect x="${item.x}" y="${item.y - 2}" width="14" height="4" fill="${colorOf.get(item.name)}"/>`,
      `<text x="${item.x + 18}" y="${item.y}" font-size="11" dominant-baseline="middle" fill="#222">${escapeHtml(item.name)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
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
    .map((panel) => renderLinePlotSvg(panel, series))
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
