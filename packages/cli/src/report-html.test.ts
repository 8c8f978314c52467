import type { RunSummary } from '@prefplay/trainers';
import { describe, expect, it } from 'vitest';
import { formatFinalTable, renderReportHtml } from './report-html.js';

const summary: RunSummary = {
  methods: {
    sppo: {
      iterations: [
        { iteration: 0, winRateVsBase: 0.5, winRateVsBaseSE: 0, exploitability: 0.3, meanLength: 5 },
        { iteration: 1, winRateVsBase: 0.55, winRateVsBaseSE: 0.02, exploitability: 0.25, meanLength: 6 },
      ],
    },
    's-sppo': {
      iterations: [
        { iteration: 0, winRateVsBase: 0.5, winRateVsBaseSE: 0, exploitability: 0.3, meanLength: 5, 'gate/mean': 0.7 },
        {
          iteration: 1,
          winRateVsBase: 0.6,
          winRateVsBaseSE: 0.03,
          exploitability: 0.2,
          meanLength: 5,
          'gate/mean': 0.6,
        },
      ],
    },
  },
  seeds: [1],
  config: { note: '<script>alert(1)</script>' },
};

describe('renderReportHtml', () => {
  it('is one self-contained page: inline SVG, one line per method, no scripts or external links', () => {
    const html = renderReportHtml(summary);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|href=/i);
    expect(html).toContain('&#60;script&#62;'); // config text is escaped
    // win rate, exploitability, mean length: two lines each; the gate plot: one line
    expect(html.match(/<polyline/g)?.length).toBe(2 + 2 + 2 + 1);
    // the SE band of the win-rate plot
    expect(html).toContain('<polygon');
    expect(html).toContain('True win rate vs base');
  });

  it('formats the final table from the last iteration of each method', () => {
    const table = formatFinalTable(summary);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^method\s+iter\s+win rate vs base\s+SE\s+exploitability/);
    expect(lines[2]).toMatch(/^sppo\s+1\s+0\.550\s+0\.020\s+0\.250/);
    expect(lines[3]).toMatch(/^s-sppo\s+1\s+0\.600/);
  });

  it('takes its own panels and columns, leaving out those without data', () => {
    const html = renderReportHtml(summary, {
      panels: [
        { title: 'Mean length only', key: 'meanLength' },
        { title: 'Absent metric', key: 'nowhere' },
      ],
      columns: [{ key: 'gate/mean', label: 'gate' }],
    });
    expect(html).toContain('Mean length only');
    expect(html).not.toContain('Absent metric');
    expect(html.match(/<polyline/g)?.length).toBe(2);
    const table = formatFinalTable(summary, [{ key: 'gate/mean', label: 'gate' }]);
    expect(table.split('\n')[0]).toMatch(/^method\s+iter\s+gate$/);
    expect(table.split('\n')[3]).toMatch(/^s-sppo\s+1\s+0\.600$/);
  });
});
