const svgNamespace = 'http://www.w3.org/2000/svg';

export type ChartPoint = {
  readonly x: number;
  readonly y: number;
  /** Error bar from `low` to `high` (e.g. ±1.96 SE). */
  readonly low?: number;
  readonly high?: number;
};

export type ChartBand = {
  readonly points: readonly { readonly x: number; readonly low: number; readonly high: number }[];
  readonly opacity: number;
};

export type ChartSeries = {
  readonly name: string;
  readonly color: string;
  readonly points: readonly ChartPoint[];
  readonly dashed?: boolean;
  /** Draw a dot at every point (default when a series has few points). */
  readonly dots?: boolean;
  readonly bands?: readonly ChartBand[];
};

export type LegendEntry = { readonly name: string; readonly color: string; readonly dashed?: boolean };

export type LineChartOptions = {
  readonly title: string;
  readonly xLabel: string;
  readonly series: readonly ChartSeries[];
  readonly yMin?: number;
  readonly yMax?: number;
  readonly xMin?: number;
  readonly xMax?: number;
  /** Ticks on whole numbers only (iterations). */
  readonly integerX?: boolean;
  /** A horizontal reference line (e.g. 1/2 for a win rate). */
  readonly reference?: number;
  /** Shown under the plot when it has no data yet. */
  readonly empty?: string;
  readonly width?: number;
  readonly height?: number;
  /** Plot y on a log scale (all values must be positive). */
  readonly logY?: boolean;
  /** Name the series under the title, or these entries instead. */
  readonly legend?: boolean | readonly LegendEntry[];
};

function element<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number>,
  parent?: Element,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(svgNamespace, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  parent?.appendChild(node);
  return node;
}

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [];
  if (max <= min) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const unit = integer ? Math.max(1, Math.round(step)) : step;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / unit - 1e-9) * unit; v <= max + unit * 1e-9; v += unit) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

function tickLabel(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(0);
  return String(Number(value.toPrecision(3)));
}

/**
 * A small SVG line chart: one line per series, optional error bars, shaded bands and a reference
 * line, axes with round ticks, and a legend.
 */
export function lineChart(options: LineChartOptions): SVGSVGElement {
  const width = options.width ?? 420;
  const height = options.height ?? 240;
  const margin = { top: options.legend ? 40 : 28, right: 12, bottom: 38, left: 48 };
  const svg = element('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width: '100%',
    role: 'img',
    'aria-label': options.title,
    class: 'chart',
  });
  const title = element('text', { x: margin.left, y: 16, class: 'chart-title' }, svg);
  title.textContent = options.title;

  const transform = options.logY ? (v: number) => Math.log10(v) : (v: number) => v;
  const valid = (v: number | undefined): v is number =>
    v !== undefined && Number.isFinite(v) && (!options.logY || v > 0);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of options.series) {
    for (const p of s.points) {
      if (!valid(p.y)) continue;
      xs.push(p.x);
      ys.push(transform(p.y));
      if (valid(p.low)) ys.push(transform(p.low));
      if (valid(p.high)) ys.push(transform(p.high));
    }
    for (const band of s.bands ?? []) {
      for (const p of band.points) {
        xs.push(p.x);
        if (valid(p.low)) ys.push(transform(p.low));
        if (valid(p.high)) ys.push(transform(p.high));
      }
    }
  }
  if (options.reference !== undefined) ys.push(transform(options.reference));
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  if (xs.length === 0) {
    const text = element('text', { x: width / 2, y: height / 2, class: 'chart-empty', 'text-anchor': 'middle' }, svg);
    text.textContent = options.empty ?? 'no data yet';
    return svg;
  }
  let xMin = options.xMin ?? Math.min(...xs);
  let xMax = options.xMax ?? Math.max(...xs);
  if (xMax === xMin) xMax = xMin + 1;
  let yMin = options.yMin !== undefined ? transform(options.yMin) : Math.min(...ys);
  let yMax = options.yMax !== undefined ? transform(options.yMax) : Math.max(...ys);
  if (yMax - yMin < 1e-9) {
    yMin -= 0.5;
    yMax += 0.5;
  } else if (options.yMin === undefined || options.yMax === undefined) {
    const pad = (yMax - yMin) * 0.08;
    if (options.yMin === undefined) yMin -= pad;
    if (options.yMax === undefined) yMax += pad;
  }
  if (options.xMin === undefined && xMin > 0 && !options.integerX) xMin = Math.min(xMin, 0);
  const sx = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * plotWidth;
  const sy = (y: number) => margin.top + (1 - (transform(y) - yMin) / (yMax - yMin)) * plotHeight;
  const syRaw = (t: number) => margin.top + (1 - (t - yMin) / (yMax - yMin)) * plotHeight;

  const axes = element('g', { class: 'chart-axes' }, svg);
  for (const t of niceTicks(yMin, yMax, 4, false)) {
    const y = syRaw(t);
    element('line', { x1: margin.left, x2: width - margin.right, y1: y, y2: y, class: 'grid' }, axes);
    const label = element('text', { x: margin.left - 6, y: y + 4, 'text-anchor': 'end' }, axes);
    label.textContent = tickLabel(options.logY ? 10 ** t : t);
  }
  for (const t of niceTicks(xMin, xMax, 5, options.integerX === true)) {
    const x = sx(t);
    element('line', { x1: x, x2: x, y1: height - margin.bottom, y2: height - margin.bottom + 4 }, axes);
    const label = element('text', { x, y: height - margin.bottom + 16, 'text-anchor': 'middle' }, axes);
    label.textContent = tickLabel(t);
  }
  element(
    'line',
    {
      x1: margin.left,
      x2: width - margin.right,
      y1: height - margin.bottom,
      y2: height - margin.bottom,
      class: 'axis',
    },
    axes,
  );
  const xLabel = element('text', { x: margin.left + plotWidth / 2, y: height - 6, 'text-anchor': 'middle' }, axes);
  xLabel.textContent = options.xLabel;
  if (options.reference !== undefined) {
    const y = sy(options.reference);
    element('line', { x1: margin.left, x2: width - margin.right, y1: y, y2: y, class: 'reference' }, svg);
  }

  for (const s of options.series) {
    for (const band of s.bands ?? []) {
      const points = band.points.filter((p) => valid(p.low) && valid(p.high));
      if (points.length === 0) continue;
      const upper = points.map((p) => `${sx(p.x)},${sy(p.high)}`);
      const lower = points
        .slice()
        .reverse()
        .map((p) => `${sx(p.x)},${sy(p.low)}`);
      element(
        'polygon',
        { points: [...upper, ...lower].join(' '), fill: s.color, 'fill-opacity': band.opacity, stroke: 'none' },
        svg,
      );
    }
    const points = s.points.filter((p) => valid(p.y));
    if (points.length === 0) continue;
    element(
      'polyline',
      {
        points: points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' '),
        fill: 'none',
        stroke: s.color,
        'stroke-width': 2,
        ...(s.dashed ? { 'stroke-dasharray': '5 4' } : {}),
      },
      svg,
    );
    for (const p of points) {
      if (valid(p.low) && valid(p.high)) {
        element(
          'line',
          { x1: sx(p.x), x2: sx(p.x), y1: sy(p.low), y2: sy(p.high), stroke: s.color, 'stroke-width': 1 },
          svg,
        );
      }
      if (s.dots ?? points.length <= 20) {
        element('circle', { cx: sx(p.x), cy: sy(p.y), r: 3, fill: s.color }, svg);
      }
    }
  }

  if (options.legend) {
    const legend = element('g', { class: 'chart-legend' }, svg);
    let x = margin.left;
    for (const s of options.legend === true ? options.series : options.legend) {
      element(
        'line',
        {
          x1: x,
          x2: x + 14,
          y1: 27,
          y2: 27,
          stroke: s.color,
          'stroke-width': 2,
          ...(s.dashed ? { 'stroke-dasharray': '4 3' } : {}),
        },
        legend,
      );
      const label = element('text', { x: x + 18, y: 31 }, legend);
      label.textContent = s.name;
      x += 18 + s.name.length * 6.2 + 12;
    }
  }
  return svg;
}
