const svgNamespace = 'http://www.w3.org/2000/svg';

export type StackedBar = {
  /** Position on the x axis (e.g. the iteration). */
  readonly x: number;
  /** Shares, one per segment of the chart, bottom to top; they are drawn as fractions of their sum. */
  readonly values: readonly number[];
  /** Written above the bar. */
  readonly label?: string;
};

export type StackedBarChartOptions = {
  readonly title: string;
  readonly xLabel: string;
  readonly segments: readonly { readonly name: string; readonly color: string }[];
  readonly bars: readonly StackedBar[];
  readonly empty?: string;
  readonly width?: number;
  readonly height?: number;
};

/** A chart of bars split into shares (0–100 %), one bar per x, with a legend of the segments. */
export function stackedBarChart(options: StackedBarChartOptions): SVGSVGElement {
  const width = options.width ?? 420;
  const height = options.height ?? 240;
  const margin = { top: 48, right: 12, bottom: 38, left: 48 };
  const svg = document.createElementNS(svgNamespace, 'svg');
  const add = (name: string, attributes: Record<string, string | number>, text?: string) => {
    const node = document.createElementNS(svgNamespace, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    svg.appendChild(node);
    return node;
  };
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', '100%');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', options.title);
  add('text', { x: margin.left, y: 16, class: 'chart-title' }, options.title);
  let x = margin.left;
  for (const segment of options.segments) {
    add('rect', { x, y: 21, width: 12, height: 9, fill: segment.color });
    add('text', { x: x + 16, y: 30 }, segment.name);
    x += 16 + segment.name.length * 6.2 + 12;
  }
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  if (options.bars.length === 0) {
    add('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'chart-empty' }, options.empty ?? '');
    return svg;
  }
  const sy = (share: number) => margin.top + (1 - share) * plotHeight;
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    add('line', { x1: margin.left, x2: width - margin.right, y1: sy(tick), y2: sy(tick), class: 'grid' });
    add('text', { x: margin.left - 6, y: sy(tick) + 4, 'text-anchor': 'end' }, `${tick * 100} %`);
  }
  const xs = options.bars.map((b) => b.x);
  const xMin = Math.min(...xs) - 0.5;
  const xMax = Math.max(...xs) + 0.5;
  const sx = (v: number) => margin.left + ((v - xMin) / (xMax - xMin)) * plotWidth;
  const barWidth = Math.min(48, (plotWidth / options.bars.length) * 0.6);
  for (const bar of options.bars) {
    const total = bar.values.reduce((s, v) => s + v, 0);
    let bottom = 0;
    bar.values.forEach((value, i) => {
      const share = total > 0 ? value / total : 0;
      add('rect', {
        x: sx(bar.x) - barWidth / 2,
        y: sy(bottom + share),
        width: barWidth,
        height: share * plotHeight,
        fill: options.segments[i]?.color ?? '#adb5bd',
      });
      bottom += share;
    });
    if (bar.label) add('text', { x: sx(bar.x), y: margin.top - 4, 'text-anchor': 'middle' }, bar.label);
    add('text', { x: sx(bar.x), y: height - margin.bottom + 16, 'text-anchor': 'middle' }, String(bar.x));
  }
  add('line', {
    x1: margin.left,
    x2: width - margin.right,
    y1: height - margin.bottom,
    y2: height - margin.bottom,
    class: 'axis',
  });
  add('text', { x: margin.left + plotWidth / 2, y: height - 6, 'text-anchor': 'middle' }, options.xLabel);
  return svg;
}
