import type { IterationSummary } from '@prefplay/trainers';

/** The columns of the CLI's final table on the synthetic task, in its order and with its labels. */
export const finalTableColumns: readonly { readonly key: string; readonly label: string }[] = [
  { key: 'winRateVsBase', label: 'win rate vs base' },
  { key: 'winRateVsBaseSE', label: 'SE' },
  { key: 'exploitability', label: 'exploitability' },
  { key: 'meanLength', label: 'mean length' },
  { key: 'synthetic/mean-fillers', label: 'fillers' },
  { key: 'synthetic/well-formed-rate', label: 'well-formed' },
  { key: 'repetitionRate', label: 'repetition' },
  { key: 'distinct2', label: 'distinct-2' },
  { key: 'gate/mean', label: 'mean g(s)' },
  { key: 'logps/chosen_change', label: 'Δ logp chosen' },
  { key: 'logps/rejected_change', label: 'Δ logp rejected' },
];

/** A metric as the CLI's table prints it: 3 decimals, 1 from 100 on, tiny values in exponent form. */
export function formatMetric(value: number | undefined, digits = 3): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (value !== 0 && Math.abs(value) < 10 ** -digits) return value.toExponential(1);
  return value.toFixed(Math.abs(value) >= 100 ? 1 : digits);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The last iteration of each method as an HTML table with the CLI's columns (those with data).
 * Each cell carries its method, metric and full-precision value as data attributes.
 */
export function finalTable(methods: Readonly<Record<string, readonly IterationSummary[]>>): string {
  const entries = Object.entries(methods);
  const columns = finalTableColumns.filter((c) =>
    entries.some(([, rows]) => rows.some((r) => Number.isFinite(r[c.key]))),
  );
  const header = `<tr><th>method</th><th>iter</th>${columns.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('')}</tr>`;
  const body = entries
    .map(([name, rows]) => {
      const last = rows[rows.length - 1];
      const cells = columns
        .map((c) => {
          const value = last?.[c.key];
          return `<td data-method="${escapeHtml(name)}" data-key="${escapeHtml(c.key)}"${value !== undefined && Number.isFinite(value) ? ` data-value="${value}"` : ''}>${formatMetric(value)}</td>`;
        })
        .join('');
      return `<tr data-method="${escapeHtml(name)}"><th>${escapeHtml(name)}</th><td data-key="iteration">${last?.iteration ?? '–'}</td>${cells}</tr>`;
    })
    .join('');
  return `<table class="final" data-testid="final-table">${header}${body}</table>`;
}
