import { describe, expect, it } from 'vitest';
import { renderCurvePlotSvg } from './experiment-report.js';

describe('renderCurvePlotSvg', () => {
  it('draws per-seed lines faintly behind the means, ideal curves dashed, with axis labels', () => {
    const svg = renderCurvePlotSvg({
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
      renderCurvePlotSvg({
        title: 't',
        xLabel: 'x',
        yLabel: 'y',
        series: [{ name: 'a', color: '#000', style: 'mean', points: [[0, Number.NaN]] }],
      }),
    ).toBeUndefined();
  });
});
