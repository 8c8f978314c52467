import type { JudgedPrompt, ShownResponse } from './lab-messages.js';

/** Judged prompts of every method and training iteration: `[method][iteration]`. */
export type JudgedRecord = Readonly<Record<string, Readonly<Record<number, readonly JudgedPrompt[]>>>>;

/** More than this between the judge's and the truth's `P(i ≻ j)` is outlined. */
const disagreement = 0.25;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function responseHtml(response: ShownResponse, index: number): string {
  const words = response.words
    .map((w) => (w.filler ? `<mark class="filler">${escapeHtml(w.word)}</mark>` : escapeHtml(w.word)))
    .join(' ');
  const meaning = response.wellFormed
    ? `<span class="meaning">${escapeHtml(response.meaning)}</span>`
    : `<span class="meaning malformed" title="${escapeHtml(response.meaning)}">malformed</span>`;
  return `<li><span class="response-index">y${index + 1}</span> <span class="response-text">${words || '<em>(empty)</em>'}</span> ${meaning} <span class="filler-count">${response.fillers} filler${response.fillers === 1 ? '' : 's'}</span></li>`;
}

/** Background of a probability cell: blue when the row wins, red when it loses. */
function shade(p: number): string {
  const strength = Math.abs(p - 0.5) * 2;
  const color = p >= 0.5 ? '25, 113, 194' : '224, 49, 49';
  return `rgba(${color}, ${(0.08 + 0.5 * strength).toFixed(3)})`;
}

function matrixHtml(prompt: JudgedPrompt): string {
  const k = prompt.responses.length;
  const header = `<tr><th>P(row ≻ col)</th>${prompt.responses.map((_, j) => `<th>y${j + 1}</th>`).join('')}</tr>`;
  const rows = prompt.responses
    .map((_, i) => {
      const cells = Array.from({ length: k }, (_, j) => {
        if (i === j) return '<td class="diagonal">–</td>';
        const judge = prompt.judge[i]?.[j] ?? Number.NaN;
        const truth = prompt.truth[i]?.[j] ?? Number.NaN;
        const gate = prompt.gate?.[i]?.[j];
        const disagrees = Math.abs(judge - truth) > disagreement;
        return `<td style="background:${shade(judge)}" class="${disagrees ? 'disagrees' : ''}" title="judge ${judge.toFixed(3)}, truth ${truth.toFixed(3)}${gate !== undefined ? `, gate g(s) ${gate.toFixed(2)}` : ''}"><b>${judge.toFixed(2)}</b><small>truth ${truth.toFixed(2)}${gate !== undefined ? ` · g ${gate.toFixed(2)}` : ''}</small></td>`;
      }).join('');
      return `<tr><th>y${i + 1}</th>${cells}</tr>`;
    })
    .join('');
  return `<table class="verdicts">${header}${rows}</table>`;
}

/** Index of the prompt with the most outlined cells (the first of them on a tie). */
function mostDisputed(prompts: readonly JudgedPrompt[]): number {
  let best = 0;
  let bestCount = 0;
  prompts.forEach((p, index) => {
    let count = 0;
    p.judge.forEach((row, i) => {
      row.forEach((v, j) => {
        if (Math.abs(v - (p.truth[i]?.[j] ?? v)) > disagreement) count++;
      });
    });
    if (count > bestCount) {
      best = index;
      bestCount = count;
    }
  });
  return best;
}

/**
 * What self-play sampled and how the judge saw it: pick a method, a training iteration and a
 * prompt; the K responses with their filler words marked, and the judge's K×K verdicts beside the
 * truth's (and the gate's `g(s)` for S-SPPO). Cells where the judge and the truth differ by more
 * than 0.25 are outlined: that is the overconfidence κ at work.
 */
export function responseView(root: HTMLElement): { update(record: JudgedRecord): void } {
  root.innerHTML = `
    <div class="response-controls">
      <label>method <select data-field="method"></select></label>
      <label>iteration <select data-field="iteration"></select></label>
      <label>prompt <select data-field="prompt"></select></label>
    </div>
    <div class="response-body" data-testid="responses"><p class="hint">Samples appear after the first self-play iteration.</p></div>`;
  const method = root.querySelector('[data-field="method"]') as HTMLSelectElement;
  const iteration = root.querySelector('[data-field="iteration"]') as HTMLSelectElement;
  const prompt = root.querySelector('[data-field="prompt"]') as HTMLSelectElement;
  const body = root.querySelector('.response-body') as HTMLElement;
  let record: JudgedRecord = {};

  const fill = (select: HTMLSelectElement, values: readonly string[], labels?: readonly string[], follow = false) => {
    const previous = select.value;
    const same = select.options.length === values.length && values.every((v, i) => select.options[i]?.value === v);
    if (!same) {
      select.innerHTML = values
        .map((v, i) => `<option value="${escapeHtml(v)}">${escapeHtml(labels?.[i] ?? v)}</option>`)
        .join('');
    }
    if (follow && values.length > 0) select.value = values[values.length - 1] as string;
    else if (values.includes(previous)) select.value = previous;
  };

  const render = () => {
    const methods = Object.keys(record);
    fill(method, methods);
    const byIteration = record[method.value] ?? {};
    const iterations = Object.keys(byIteration).sort((a, b) => Number(a) - Number(b));
    // follow the newest iteration unless the reader picked an older one
    fill(iteration, iterations, undefined, iteration.dataset.follow !== 'no');
    const prompts = byIteration[Number(iteration.value)] ?? [];
    const fresh = prompt.options.length === 0;
    fill(
      prompt,
      prompts.map((_, i) => String(i)),
      prompts.map((p) => p.prompt),
    );
    // open on the prompt where the judge strays furthest from the truth
    if (fresh && prompts.length > 0) prompt.value = String(mostDisputed(prompts));
    const shown = prompts[Number(prompt.value)];
    if (shown === undefined) return;
    const fillers = prompts.reduce((s, p) => s + p.responses.reduce((t, r) => t + r.fillers, 0), 0);
    const responses = prompts.reduce((s, p) => s + p.responses.length, 0);
    body.innerHTML = `
      <p class="hint">${escapeHtml(method.value)}, iteration ${iteration.value}: ${(fillers / Math.max(1, responses)).toFixed(2)} fillers per sampled response over ${prompts.length} training prompts.</p>
      <p class="prompt-text">${escapeHtml(shown.prompt)}</p>
      <ol class="responses">${shown.responses.map(responseHtml).join('')}</ol>
      ${matrixHtml(shown)}`;
  };

  method.addEventListener('change', render);
  iteration.addEventListener('change', () => {
    iteration.dataset.follow = iteration.value === iteration.options[iteration.options.length - 1]?.value ? '' : 'no';
    render();
  });
  prompt.addEventListener('change', render);
  return {
    update(next) {
      record = next;
      render();
    },
  };
}
