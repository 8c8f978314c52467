import type { IterationSummary } from '@prefplay/trainers';
import { escapeHtml } from './escape-html.js';
import type { ExperimentSummary, SummaryCell } from './experiment-analysis.js';
import { type LinePlotSeries, plotPalette, renderLinePlotSvg } from './line-plot-svg.js';

/** The panels of the experiment report: key, title and y-axis label; the reference line. */
export const experimentPanels: readonly { key: string; title: string; yLabel: string; reference?: number }[] = [
  { key: 'winRateVsBase', title: 'True win rate against the base', yLabel: 'P(policy ≻ base)', reference: 0.5 },
  { key: 'exploitability', title: 'Exact exploitability over meanings', yLabel: 'exploitability', reference: 0 },
  { key: 'fillers', title: 'Filler tokens per response', yLabel: 'fillers' },
  { key: 'wellFormed', title: 'Well-formed responses', yLabel: 'share', reference: 1 },
  { key: 'distinctMeanings', title: 'Distinct meanings among K samples', yLabel: 'meanings' },
  { key: 'stepFraction', title: 'Fraction of the exact step realised', yLabel: 'fraction', reference: 1 },
];

const idealMatch: Record<string, string> = { 'exact SPPO': 'sppo', 'exact S-SPPO': 's-sppo' };

function pointsOf(rows: readonly IterationSummary[], key: string): [number, number][] {
  return rows.flatMap((r) => (typeof r[key] === 'number' ? [[r.iteration, r[key] as number] as [number, number]] : []));
}

/** The plots of one cell: per metric, the mean of every method over seeds, its per-seed runs and the ideal curves. */
export function cellPlots(cell: SummaryCell, colors: ReadonlyMap<string, string>): string[] {
  return experimentPanels.flatMap((panel) => {
    const series: LinePlotSeries[] = [];
    for (const [name, method] of Object.entries(cell.methods)) {
      const color = colors.get(name) ?? '#333';
      for (const [seed, rows] of Object.entries(method.perSeed ?? {})) {
        series.push({ name: `${name}, seed ${seed}`, color, style: 'seed', points: pointsOf(rows, panel.key) });
      }
      series.push({ name, color, style: 'mean', points: pointsOf(method.iterations, panel.key) });
    }
    for (const [name, ideal] of Object.entries(cell.ideal)) {
      const match = Object.entries(idealMatch).find(([prefix]) => name.startsWith(prefix))?.[1];
      series.push({
        name,
        color: colors.get(match ?? '') ?? '#555',
        style: 'ideal',
        points: pointsOf(ideal.iterations, panel.key),
      });
    }
    const svg = renderLinePlotSvg({
      title: panel.title,
      xLabel: 'self-play iteration',
      yLabel: panel.yLabel,
      series,
      ...(panel.reference !== undefined ? { reference: panel.reference } : {}),
    });
    return svg === undefined ? [] : [svg];
  });
}

/**
 * S-SPPO's advantage against the quality of its gate's encoder: one point per calibrated method
 * with a measured encoder, at (recall of "same meaning" at the gate's midpoint, mean paired
 * difference to SPPO), the seeds' differences faint at the same recall. Undefined without such methods.
 */
export function encoderQualityPlot(cell: SummaryCell, colors: ReadonlyMap<string, string>): string | undefined {
  const series: LinePlotSeries[] = [];
  for (const [name, quality] of Object.entries(cell.encoderQuality)) {
    const versus = cell.comparisons.find((c) => c.first === name && c.second === 'sppo');
    if (versus === undefined || !Number.isFinite(quality.recall)) continue;
    const color = colors.get(name) ?? '#333';
    for (const p of versus.perSeed) {
      series.push({ name: `${name}, seed ${p.seed}`, color, style: 'seed', points: [[quality.recall, p.difference]] });
    }
    series.push({
      name: `${name} (precision ${quality.precision.toFixed(2)})`,
      color,
      style: 'mean',
      points: [[quality.recall, versus.summary.mean]],
    });
  }
  if (series.length === 0) return undefined;
  return renderLinePlotSvg({
    title: "S-SPPO's advantage against its encoder's recall",
    xLabel: `recall of "same meaning" at the gate's midpoint`,
    yLabel: 'win rate minus SPPO',
    reference: 0,
    integerTicks: false,
    series,
  });
}

function formatNumber(value: number | undefined, digits = 3): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** Rows of the final-iteration table of a cell: mean over seeds, seeds above the base, difference to SPPO. */
export function cellTableRows(cell: SummaryCell): string[][] {
  return Object.entries(cell.methods).map(([name, method]) => {
    const last = method.iterations[method.iterations.length - 1];
    const perSeed = Object.values(method.perSeed ?? {}).map((rows) => rows[rows.length - 1]);
    const above = perSeed.filter((r) => (r?.winRateVsBase ?? 0) > 0.5).length;
    const versus = cell.comparisons.find((c) => c.first === name && c.second === 'sppo');
    return [
      name,
      String(last?.iteration ?? '–'),
      formatNumber(last?.winRateVsBase),
      `${above}/${perSeed.length}`,
      versus ? `${formatNumber(versus.summary.mean)} (${versus.summary.positive}/${versus.summary.count})` : '–',
      formatNumber(last?.exploitability),
      formatNumber(last?.fillers, 2),
      formatNumber(last?.wellFormed),
      formatNumber(last?.distinctMeanings, 2),
      formatNumber(last?.stepFraction, 2),
    ];
  });
}

export const cellTableHeader = [
  'method',
  'iter',
  'win rate vs base',
  'seeds > 0.5',
  'minus SPPO (seeds > 0)',
  'exploitability',
  'fillers',
  'well-formed',
  'distinct meanings',
  'step fraction (last)',
];

/** The terminal text of an experiment: the pre-registered verdicts, then each cell's final table. */
export function formatExperimentText(analysis: ExperimentSummary): string {
  const lines: string[] = [];
  if (analysis.verdicts.length > 0) {
    lines.push('Pre-registered criteria (docs/reproduction.md):');
    for (const v of analysis.verdicts) {
      lines.push(`  (${v.criterion}) ${v.pass ? 'PASS' : 'FAIL'} [${v.cell}] ${v.statement}`);
    }
    lines.push('');
  }
  for (const cell of analysis.cells) {
    lines.push(`${cell.label}: final iteration, mean of seeds ${analysis.seeds.join(', ')}`);
    const rows = [cellTableHeader, ...cellTableRows(cell)];
    const widths = cellTableHeader.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
    for (const [r, row] of rows.entries()) {
      lines.push(
        row.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '),
      );
      if (r === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    for (const [name, ideal] of Object.entries(cell.ideal)) {
      const last = ideal.iterations[ideal.iterations.length - 1];
      lines.push(
        `  ${name}: win rate ${formatNumber(last?.winRateVsBase)}, exploitability ${formatNumber(last?.exploitability)}, fillers ${formatNumber(last?.fillers, 2)}`,
      );
    }
    for (const [name, q] of Object.entries(cell.encoderQuality)) {
      lines.push(
        `  encoder of ${name}: precision ${formatNumber(q.precision)}, recall ${formatNumber(q.recall)} at s ≥ ${q.threshold}`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * The experiment's HTML page (inline SVG, no scripts): the verdicts, then per cell its plots (at
 * most `maxPlottedCells` cells) and its final table, then the config.
 */
export function renderExperimentReport(
  analysis: ExperimentSummary,
  options: { readonly maxPlottedCells?: number } = {},
): string {
  const names = [...new Set(analysis.cells.flatMap((c) => Object.keys(c.methods)))];
  const colors = new Map(names.map((n, i) => [n, plotPalette[i % plotPalette.length] as string]));
  const maxPlotted = options.maxPlottedCells ?? 4;
  const verdicts = analysis.verdicts
    .map(
      (v) =>
        `<li><strong class="${v.pass ? 'pass' : 'fail'}">(${v.criterion}) ${v.pass ? 'PASS' : 'FAIL'}</strong> <em>${escapeHtml(v.cell)}</em>: ${escapeHtml(v.statement)}</li>`,
    )
    .join('\n');
  const sections = analysis.cells
    .map((cell, index) => {
      const quality = encoderQualityPlot(cell, colors);
      const plots =
        index < maxPlotted
          ? [...cellPlots(cell, colors), ...(quality !== undefined ? [quality] : [])]
              .map((svg) => `<figure>${svg}</figure>`)
              .join('\n')
          : '';
      const header = `<tr>${cellTableHeader.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
      const rows = cellTableRows(cell)
        .map(
          (row) =>
            `<tr>${row.map((c, i) => (i === 0 ? `<th>${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`,
        )
        .join('');
      return `<h2>${escapeHtml(cell.label)}</h2>\n<div class="plots">\n${plots}\n</div>\n<table>${header}${rows}</table>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>prefplay: SPPO and S-SPPO on the synthetic task</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 22px 0 8px; }
p.meta { color: #555; margin: 0 0 12px; } .pass { color: #1a7f37; } .fail { color: #b42318; }
.plots { display: flex; flex-wrap: wrap; gap: 10px; }
figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 4px; }
table { border-collapse: collapse; margin: 12px 0; background: #fff; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; } th:first-child { text-align: left; }
pre { background: #fff; border: 1px solid #ddd; padding: 8px; font-size: 12px; overflow-x: auto; }
</style>
</head>
<body>
<h1>SPPO and S-SPPO on the synthetic task</h1>
<p class="meta">Seeds ${escapeHtml(analysis.seeds.join(', '))}. Bold lines: mean over seeds; faint lines: each seed; dashed: the exact dynamics from the measured base distribution. Iteration 0 is the base policy. Evaluation: the true preference and the known meanings, on held-out prompts.</p>
<h2>Pre-registered criteria</h2>
<ul>
${verdicts || '<li>none apply to these cells</li>'}
</ul>
${sections}
<h2>Config</h2>
<pre>${escapeHtml(JSON.stringify(analysis.config, null, 2))}</pre>
</body>
</html>
`;
}
