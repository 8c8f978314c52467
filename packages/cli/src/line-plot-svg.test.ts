import { describe, expect, it } from 'vitest';
import { type LinePlotSeries, renderLinePlotSvg } from './line-plot-svg.js';

/** The values of attribute `name` of every element matching `pattern` (an element's opening text). */
function attributes(svg: string, pattern: RegExp, name: string): string[] {
  return [...svg.matchAll(new RegExp(pattern.source, 'g'))].map(
    (m) => new RegExp(`\\b${name}="([^"]*)"`).exec(m[0])?.[1] ?? '',
  );
}

/** The text content of every `<text>` element with class `cls`. */
function texts(svg: string, cls: string): string[] {
  return [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1] ?? '');
}

const line = (name: string, style: LinePlotSeries['style'], points: [number, number][]): LinePlotSeries => ({
  name,
  color: '#123456',
  style,
  points,
});

describe('renderLinePlotSvg', () => {
  // Points span x 0..4 and y 0..1: the y range is padded by 6 % to [-0.06, 1.06], whose nice step
  // for five ticks is 0.25 (raw step 0.224, rounded up in 1, 2, 2.5, 5); x gets one tick per
  // iteration. The plot area runs from x = 64 to 460 − 14 = 446, so iteration ticks are 95.5 apart.
  const svg = renderLinePlotSvg({
    title: 'Win rate',
    xLabel: 'iteration',
    yLabel: 'P(win)',
    series: [
      line('sppo', 'mean', [
        [0, 0],
        [2, 0.5],
        [4, 1],
      ]),
      line('dpo', 'mean', [
        [0, 0.2],
        [4, 0.8],
      ]),
      line('absent', 'mean', [[1, Number.NaN]]),
    ],
  }) as string;

  it('is one svg element with both axes and the axis labels', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg.match(/<svg/g)).toHaveLength(1);
    expect(attributes(svg, /<line class="x-axis"[^>]*>/, 'x1')).toEqual(['64']);
    expect(attributes(svg, /<line class="x-axis"[^>]*>/, 'x2')).toEqual(['446']);
    expect(attributes(svg, /<line class="y-axis"[^>]*>/, 'x1')).toEqual(['64']);
    expect(svg).toContain('>iteration</text>');
    expect(svg).toMatch(/rotate\(-90[^>]*>P\(win\)<\/text>/);
  });

  it('puts nice ticks on both axes, evenly spaced', () => {
    expect(texts(svg, 'y-tick')).toEqual(['0.00', '0.25', '0.50', '0.75', '1.00']);
    expect(texts(svg, 'x-tick')).toEqual(['0', '1', '2', '3', '4']);
    expect(attributes(svg, /<text class="x-tick"[^>]*>/, 'x')).toEqual(['64.0', '159.5', '255.0', '350.5', '446.0']);
    const ys = attributes(svg, /<text class="y-tick"[^>]*>/, 'y').map(Number);
    // higher values are drawn higher up, one grid line per tick
    expect(ys).toEqual([...ys].sort((a, b) => b - a));
    expect(svg.match(/<line class="grid"/g)).toHaveLength(5);
  });

  it('draws one line per series with a finite point, and names each in the legend', () => {
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(texts(svg, 'legend')).toEqual(['sppo', 'dpo']);
    // the first point of sppo, (0, 0), sits on the y axis; the last, (4, 1), at the right edge
    const first = attributes(svg, /<polyline[^>]*>/, 'points')[0]?.split(' ');
    expect(first).toHaveLength(3);
    expect(first?.[0]?.startsWith('64.0,')).toBe(true);
    expect(first?.[2]?.startsWith('446.0,')).toBe(true);
  });

  it('escapes the title, the labels and the series names', () => {
    const hostile = renderLinePlotSvg({
      title: 'a <b> & "c"',
      xLabel: "x's <i>",
      yLabel: '<y>',
      series: [line('<script>alert(1)</script>', 'mean', [[0, 1]])],
    }) as string;
    expect(hostile).not.toMatch(/<(b|i|y|script)>/);
    expect(hostile).toContain('aria-label="a &#60;b&#62; &#38; &#34;c&#34;"');
    expect(hostile).toContain('>x&#39;s &#60;i&#62;</text>');
    expect(hostile).toContain('>&#60;y&#62;</text>');
    expect(texts(hostile, 'legend')).toEqual(['&#60;script&#62;alert(1)&#60;/script&#62;']);
  });

  it('shades a band behind the lines, through its highs then back through its lows', () => {
    const banded = renderLinePlotSvg({
      title: 't',
      xLabel: 'x',
      series: [
        {
          ...line('m', 'mean', [
            [0, 0.5],
            [1, 0.6],
          ]),
          band: [
            [0, 0.4, 0.6],
            [1, 0.5, 0.7],
          ],
        },
      ],
    }) as string;
    const points = attributes(banded, /<polygon class="band"[^>]*>/, 'points');
    expect(points).toHaveLength(1);
    const corners = (points[0] as string).split(' ').map((p) => p.split(',').map(Number));
    expect(corners).toHaveLength(4);
    // x: 0, 1, 1, 0; the high edge above the low edge at both ends
    expect(corners.map((c) => c[0])).toEqual([64, 446, 446, 64]);
    expect(corners[0]?.[1]).toBeLessThan(corners[3]?.[1] as number);
    expect(corners[1]?.[1]).toBeLessThan(corners[2]?.[1] as number);
    expect(banded.indexOf('<polygon')).toBeLessThan(banded.indexOf('<polyline'));
    // a band of one point is not drawn
    const single = renderLinePlotSvg({
      title: 't',
      xLabel: 'x',
      series: [{ ...line('m', 'mean', [[0, 0.5]]), band: [[0, 0.4, 0.6]] }],
    }) as string;
    expect(single).not.toContain('<polygon');
  });

  it('writes fractional x ticks when integer ticks are off', () => {
    const fractional = renderLinePlotSvg({
      title: 't',
      xLabel: 'recall',
      integerTicks: false,
      series: [
        line('m', 'mean', [
          [0.5, 0],
          [1, 1],
        ]),
      ],
    }) as string;
    // range 0.5 in about five steps: step 0.1, so six ticks 0.5 … 1.0
    expect(texts(fractional, 'x-tick')).toEqual(['0.50', '0.60', '0.70', '0.80', '0.90', '1.00']);
  });

  it('draws per-seed lines faintly behind the means, ideal curves dashed, with axis labels', () => {
    const svg = renderLinePlotSvg({
      title: 'True win rate against the base',
      xLabel: 'self-play iteration',
      yLabel: 'P(policy ≻ base)',
      reference: 0.5,
      series: [
        {
          name: 'sppo, seed 1',
          color: '#1f77b4',
          style: 'seed',
          points: [
            [0, 0.5],
            [1, 0.52],
          ],
        },
        {
          name: 'sppo, seed 2',
          color: '#1f77b4',
          style: 'seed',
          points: [
            [0, 0.49],
            [1, 0.47],
          ],
        },
        {
          name: 'sppo',
          color: '#1f77b4',
          style: 'mean',
          points: [
            [0, 0.495],
            [1, 0.495],
          ],
        },
        {
          name: 'exact SPPO',
          color: '#1f77b4',
          style: 'ideal',
          points: [
            [0, 0.5],
            [1, 0.6],
          ],
        },
      ],
    });
    expect(svg).toBeDefined();
    const html = svg as string;
    expect(html.match(/class="seed"[^>]*stroke-opacity="0.28"/g)).toHaveLength(2);
    expect(html.match(/class="ideal"[^>]*stroke-dasharray/g)).toHaveLength(1);
    // faint lines come first (drawn behind), the mean last
    expect(html.indexOf('class="seed"')).toBeLessThan(html.indexOf('class="ideal"'));
    expect(html.indexOf('class="ideal"')).toBeLessThan(html.indexOf('class="mean"'));
    expect(html).toContain('>self-play iteration</text>');
    expect(html).toMatch(/rotate\(-90[^>]*>P\(policy ≻ base\)<\/text>/);
    // the legend names the mean and the ideal curve, not every seed
    expect(html).not.toMatch(/<text[^>]*>sppo, seed 1<\/text>/);
    expect(html).toMatch(/<text[^>]*>exact SPPO<\/text>/);
  });

  it('draws nothing without a finite point', () => {
    expect(
      renderLinePlotSvg({
        title: 't',
        xLabel: 'x',
        yLabel: 'y',
        series: [{ name: 'a', color: '#000', style: 'mean', points: [[0, Number.NaN]] }],
      }),
    ).toBeUndefined();
  });
});
