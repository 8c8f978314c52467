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

describe('encoderQualityPlot', () => {
  it('places each calibrated method at its encoder recall and its mean paired difference to SPPO', async () => {
    const { encoderQualityPlot } = await import('./experiment-report.js');
    const cell = {
      label: 'κ=4',
      overconfidence: 4,
      concision: 1,
      dominantClaimShare: 2 / 3,
      methods: {},
      ideal: {},
      versusClean: [],
      encoderQuality: {
        's-sppo': { precision: 1, recall: 1, threshold: 0.825 },
        noisy: { precision: 0.7, recall: 0.5, threshold: 0.825 },
      },
      comparisons: [
        {
          first: 's-sppo',
          second: 'sppo',
          perSeed: [{ seed: 1, difference: 0.05, standardError: 0.01 }],
          summary: {
            mean: 0.05,
            standardDeviation: Number.NaN,
            standardError: Number.NaN,
            min: 0.05,
            max: 0.05,
            count: 1,
            positive: 1,
            negative: 0,
          },
        },
        {
          first: 'noisy',
          second: 'sppo',
          perSeed: [{ seed: 1, difference: -0.01, standardError: 0.01 }],
          summary: {
            mean: -0.01,
            standardDeviation: Number.NaN,
            standardError: Number.NaN,
            min: -0.01,
            max: -0.01,
            count: 1,
            positive: 0,
            negative: 1,
          },
        },
      ],
    };
    const svg = encoderQualityPlot(cell, new Map()) as string;
    expect(svg).toContain('>recall of &#34;same meaning&#34; at the gate&#39;s midpoint</text>');
    expect(svg).toMatch(/noisy \(precision 0\.70\)/);
    // two methods, each one mean point and one faint seed point
    expect(svg.match(/<circle/g)).toHaveLength(4);
    expect(encoderQualityPlot({ ...cell, encoderQuality: {} }, new Map())).toBeUndefined();
  });
});
