import { defaultReportPanels, defaultTableColumns, type ReportColumn, type ReportPanel } from './report-html.js';

/**
 * Plots and table columns of the synthetic-task reports: the trainer's defaults plus the task's
 * own view of degeneration, the filler tokens the overconfident oracle over-rewards and the share
 * of well-formed responses. Panels and columns without data are left out.
 */
export const experimentReportLayout: {
  readonly panels: readonly ReportPanel[];
  readonly columns: readonly ReportColumn[];
} = {
  panels: [
    ...defaultReportPanels.slice(0, 2),
    { title: 'Filler tokens per response (the surface feature)', key: 'synthetic/mean-fillers' },
    { title: 'Well-formed responses', key: 'synthetic/well-formed-rate', reference: 1 },
    ...defaultReportPanels.slice(2),
  ],
  columns: [
    ...defaultTableColumns.slice(0, 4),
    { key: 'synthetic/mean-fillers', label: 'fillers' },
    { key: 'synthetic/well-formed-rate', label: 'well-formed' },
    ...defaultTableColumns.slice(4),
  ],
};
