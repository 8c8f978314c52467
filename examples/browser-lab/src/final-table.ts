import type { IterationSummary } from '@prefplay/trainers';

/** What the final table reads: each method's iterations, the exact dynamics and the paired differences. */
export type FinalTableInput = {
  readonly methods: Readonly<Record<string, readonly IterationSummary[]>>;
  readonly ideal?: Readonly<Record<string, { readonly iterations: readonly IterationSummary[] }>>;
  readonly comparisons?: readonly {
    readonly first: string;
    readonly second: string;
    readonly difference: number;
    readonly standardError: number;
  }[];
};

type Column = {
  readonly label: string;
  /** Digits after the point, as the CLI's experiment table prints the column. */
  readonly digits: number;
  readonly value: (
    last: IterationSummary | undefined,
    versusSppo: FinalTableInput['comparisons'],
  ) => number | undefined;
};

const metric =
  (key: string) =>
  (last: IterationSummary | undefined): number | undefined =>
    last?.[key];

/**
 * The columns of the CLI's experiment table (`prefplay reproduce`, one seed), with the standard
 * errors beside the win rate and the difference to SPPO, in its order, labels and digits.
 */
export const finalTableColumns: readonly Column[] = [
  { label: 'win rate vs base', digits: 3, value: metric('winRateVsBase') },
  { label: 'SE', digits: 3, value: metric('winRateVsBaseSE') },
  { label: 'minus SPPO', digits: 3, value: (_, versus) => versus?.[0]?.difference },
  { label: 'SE', digits: 3, value: (_, versus) => versus?.[0]?.standardError },
  { label: 'exploitability', digits: 3, value: metric('exploitability') },
  { label: 'fillers', digits: 2, value: metric('fillers') },
  { label: 'well-formed', digits: 3, value: metric('wellFormed') },
  { label: 'distinct meanings', digits: 2, value: metric('distinctMeanings') },
  { label: 'step fraction (last)', digits: 2, value: metric('stepFraction') },
];

/** A number as the CLI's experiment table prints it: fixed digits, '–' when there is none. */
export function formatMetric(value: number | undefined, digits = 3): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/**
 * The final table as text cells: the header, one row per method at its last iteration, then one
 * row per exact dynamics at its last iteration.
 */
export function finalTableRows(input: FinalTableInput): string[][] {
  const header = ['method', 'iter', ...finalTableColumns.map((c) => c.label)];
  const row = (name: string, rows: readonly IterationSummary[], versus: FinalTableInput['comparisons']) => {
    const last = rows[rows.length - 1];
    return [
      name,
      String(last?.iteration ?? '–'),
      ...finalTableColumns.map((c) => formatMetric(c.value(last, versus), c.digits)),
    ];
  };
  const versusSppo = (name: string) =>
    (input.comparisons ?? []).filter((c) => c.first === name && c.second === 'sppo').slice(0, 1);
  return [
    header,
    ...Object.entries(input.methods).map(([name, rows]) => row(name, rows, versusSppo(name))),
    ...Object.entries(input.ideal ?? {}).map(([name, curve]) => row(name, curve.iterations, [])),
  ];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The final table as HTML (`finalTableRows`); the exact dynamics' rows are marked `ideal`. */
export function finalTable(input: FinalTableInput): string {
  const [header = [], ...rows] = finalTableRows(input);
  const methods = Object.keys(input.methods).length;
  const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((cells, r) => {
      const [name = '', ...rest] = cells;
      const kind = r < methods ? 'method' : 'ideal';
      return `<tr class="${kind}" data-method="${escapeHtml(name)}"><th>${escapeHtml(name)}</th>${rest
        .map((c) => `<td>${escapeHtml(c)}</td>`)
        .join('')}</tr>`;
    })
    .join('');
  return `<table class="final" data-testid="final-table">${head}${body}</table>`;
}
