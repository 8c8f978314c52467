import { describe, expect, it } from 'vitest';

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
