import { escapeHtml } from './escape-html.js';

/** Colours of the reports' methods, in order. */
export const plotPalette: readonly string[] = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
];

/** One line of a plot. */
export type LinePlotSeries = {
  readonly name: string;
  readonly color: string;
  /** `mean`: bold with markers; `seed`: thin and faint, behind; `ideal`: dashed. */
  readonly style: 'mean' | 'seed' | 'ideal';
  readonly points: readonly (readonly [number, number])[];
  /** A shaded band around the line, `[x, low, high]` per point (drawn from two points on). */
  readonly band?: readonly (readonly [number, number, number])[];
  /** Shown in the legend (default true; per-seed lines never are). */
  readonly legend?: boolean;
};

export type LinePlot = {
  readonly title: string;
  readonly xLabel: string;
  /** Written along the y axis; none when absent. */
  readonly yLabel?: string;
  readonly series: readonly LinePlotSeries[];
  /** A horizontal reference line (e.g. 0.5 for a win rate against the base). */
  readonly reference?: number;
  /** Only integer ticks on the x axis (iterations; default true). */
  readonly integerTicks?: boolean;
  /** Width in pixels (default 460); the height is 300. */
  readonly width?: number;
};

function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const finitePoint = ([x, y]: readonly [number, number]) => Number.isFinite(x) && Number.isFinite(y);
const finiteBand = ([x, low, high]: readonly [number, number, number]) =>
  Number.isFinite(x) && Number.isFinite(low) && Number.isFinite(high);

/**
 * An inline SVG line plot with axes, ticks, axis labels and a legend under the title: bands shaded
 * behind the lines, per-seed lines thin and faint, ideal curves dashed, means bold with markers on
 * top, an optional dashed reference line. Undefined when no series has a finite point.
 */
export function renderLinePlotSvg(plot: LinePlot): string | undefined {
  const series = plot.series.filter((s) => s.points.some(finitePoint));
  if (series.length === 0) return undefined;
  const width = plot.width ?? 460;
  const height = 300;
  const left = 64;
  const right = 14;
  const legendItems = series.filter((s) => s.legend !== false && s.style !== 'seed');
  const legendRows: { name: string; color: string; style: LinePlotSeries['style']; x: number; y: number }[] = [];
  {
    let x = left;
    let y = 36;
    for (const s of legendItems) {
      const w = 34 + 6.2 * s.name.length;
      if (x + w > width - right && x > left) {
        x = left;
        y += 14;
      }
      legendRows.push({ name: s.name, color: s.color, style: s.style, x, y });
      x += w;
    }
  }
  const top = (legendRows[legendRows.length - 1]?.y ?? 36) + 14;
  const bottom = 44;
  const bands = series.map((s) => (s.band ?? []).filter(finiteBand));
  const xs = series.flatMap((s) => s.points.filter(finitePoint).map(([x]) => x));
  const ys = [
    ...series.flatMap((s) => s.points.filter(finitePoint).map(([, y]) => y)),
    ...bands.flatMap((band) => band.flatMap(([, low, high]) => [low, high])),
  ];
  if (plot.reference !== undefined) ys.push(plot.reference);
  let [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  if (xMax === xMin) [xMin, xMax] = [xMin - 0.5, xMax + 0.5];
  let [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  const pad = yMax - yMin < 1e-9 ? Math.abs(yMax) * 0.1 || 0.05 : (yMax - yMin) * 0.06;
  yMin -= pad;
  yMax += pad;
  const px = (x: number) => left + ((x - xMin) / (xMax - xMin)) * (width - left - right);
  const py = (y: number) => top + (1 - (y - yMin) / (yMax - yMin)) * (height - top - bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(plot.title)}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="13" font-weight="600" fill="#222">${escapeHtml(plot.title)}</text>`,
  ];
  const yTicks = niceTicks(yMin, yMax);
  const step = yTicks.length > 1 ? (yTicks[1] as number) - (yTicks[0] as number) : 1;
  let digits = 0;
  while (digits < 6 && Math.abs(step * 10 ** digits - Math.round(step * 10 ** digits)) > 1e-6) digits++;
  for (const tick of yTicks) {
    const y = py(tick).toFixed(1);
    parts.push(
      `<line class="grid" x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" stroke="#ececec"/>`,
      `<text class="y-tick" x="${left - 6}" y="${y}" font-size="11" text-anchor="end" dominant-baseline="middle" fill="#555">${tick.toFixed(digits)}</text>`,
    );
  }
  const integerTicks = plot.integerTicks !== false;
  const xTicks = integerTicks
    ? niceTicks(xMin, xMax, Math.min(8, Math.max(1, Math.round(xMax - xMin)))).filter(Number.isInteger)
    : niceTicks(xMin, xMax);
  for (const tick of xTicks) {
    const x = px(tick).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${height - bottom}" y2="${height - bottom + 4}" stroke="#555"/>`,
      `<text class="x-tick" x="${x}" y="${height - bottom + 16}" font-size="11" text-anchor="middle" fill="#555">${integerTicks ? tick : tick.toFixed(2)}</text>`,
    );
  }
  parts.push(
    `<line class="x-axis" x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#555"/>`,
    `<line class="y-axis" x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#555"/>`,
    `<text x="${(left + width - right) / 2}" y="${height - 8}" font-size="12" text-anchor="middle" fill="#333">${escapeHtml(plot.xLabel)}</text>`,
  );
  if (plot.yLabel !== undefined) {
    const middle = (top + height - bottom) / 2;
    parts.push(
      `<text x="14" y="${middle}" font-size="12" text-anchor="middle" fill="#333" transform="rotate(-90 14 ${middle})">${escapeHtml(plot.yLabel)}</text>`,
    );
  }
  if (plot.reference !== undefined) {
    const y = py(plot.reference).toFixed(1);
    parts.push(
      `<line class="reference" x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" stroke="#999" stroke-dasharray="2 3"/>`,
    );
  }
  series.forEach((s, i) => {
    const band = bands[i] ?? [];
    if (band.length < 2) return;
    const upper = band.map(([x, , high]) => `${px(x).toFixed(1)},${py(high).toFixed(1)}`);
    const lower = band.map(([x, low]) => `${px(x).toFixed(1)},${py(low).toFixed(1)}`).reverse();
    parts.push(
      `<polygon class="band" points="${[...upper, ...lower].join(' ')}" fill="${s.color}" fill-opacity="0.14" stroke="none"/>`,
    );
  });
  const order: LinePlotSeries['style'][] = ['seed', 'ideal', 'mean'];
  for (const style of order) {
    for (const s of series.filter((x) => x.style === style)) {
      const points = s.points.filter(finitePoint).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
      const stroke =
        style === 'seed'
          ? `stroke-width="1" stroke-opacity="0.28"`
          : style === 'ideal'
            ? `stroke-width="1.8" stroke-dasharray="6 4"`
            : `stroke-width="2.2"`;
      parts.push(
        `<polyline class="${style}" points="${points.join(' ')}" fill="none" stroke="${s.color}" ${stroke}><title>${escapeHtml(s.name)}</title></polyline>`,
      );
      if (style === 'mean' || points.length === 1) {
        for (const point of points) {
          const [x, y] = point.split(',');
          const faint = style === 'seed' ? ' fill-opacity="0.35"' : '';
          parts.push(`<circle cx="${x}" cy="${y}" r="${style === 'mean' ? 2.6 : 2}" fill="${s.color}"${faint}/>`);
        }
      }
    }
  }
  for (const item of legendRows) {
    const dash = item.style === 'ideal' ? ' stroke-dasharray="5 3"' : '';
    parts.push(
      `<line x1="${item.x}" x2="${item.x + 16}" y1="${item.y}" y2="${item.y}" stroke="${item.color}" stroke-width="2"${dash}/>`,
      `<text class="legend" x="${item.x + 20}" y="${item.y}" font-size="11" dominant-baseline="middle" fill="#222">${escapeHtml(item.name)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
