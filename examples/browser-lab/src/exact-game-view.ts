import { createRng } from '@prefplay/core';
import { multiplicativeWeights, vonNeumannWinner } from '@prefplay/evaluators';
import { lineChart } from './line-chart.js';

const moveColors = ['#d9480f', '#1971c2', '#2f9e44', '#9c36b5', '#e8590c', '#0c8599'];
const svgNamespace = 'http://www.w3.org/2000/svg';

/** Named starting games: K×K preference matrices `M[i][j] = P(i ≻ j)`. */
export const exampleGames: Readonly<Record<string, { labels: string[]; matrix: number[][] }>> = {
  // examples/rock-paper-scissors: rock beats scissors by 0.8, scissors paper by 0.4, paper rock by 0.6
  'weighted rock-paper-scissors': {
    labels: ['rock', 'paper', 'scissors'],
    matrix: [
      [0.5, 0.2, 0.9],
      [0.8, 0.5, 0.3],
      [0.1, 0.7, 0.5],
    ],
  },
  'rock-paper-scissors': {
    labels: ['rock', 'paper', 'scissors'],
    matrix: [
      [0.5, 0, 1],
      [1, 0.5, 0],
      [0, 1, 0.5],
    ],
  },
  // a Condorcet winner: the von Neumann winner is the pure strategy "a"
  transitive: {
    labels: ['a', 'b', 'c'],
    matrix: [
      [0.5, 0.7, 0.9],
      [0.3, 0.5, 0.6],
      [0.1, 0.4, 0.5],
    ],
  },
};

function labelsFor(k: number): string[] {
  return Array.from({ length: k }, (_, i) => String.fromCharCode(97 + i));
}

/** Every `step`-th index of 0..n−1 and the last, so that at most about `points` are drawn. */
function thin(n: number, points = 300): number[] {
  const step = Math.max(1, Math.ceil(n / points));
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(i);
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

function simplexPlot(
  labels: readonly string[],
  last: readonly (readonly number[])[],
  average: readonly (readonly number[])[],
  winner: readonly number[],
): SVGSVGElement {
  const size = 260;
  const svg = document.createElementNS(svgNamespace, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size * 0.92}`);
  svg.setAttribute('class', 'chart simplex');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Trajectory on the probability simplex');
  const corners = [
    [size / 2, 24],
    [20, size * 0.92 - 24],
    [size - 20, size * 0.92 - 24],
  ] as const;
  const at = (p: readonly number[]) => {
    let x = 0;
    let y = 0;
    p.forEach((w, i) => {
      x += w * (corners[i]?.[0] ?? 0);
      y += w * (corners[i]?.[1] ?? 0);
    });
    return `${x.toFixed(2)},${y.toFixed(2)}`;
  };
  const add = (name: string, attributes: Record<string, string | number>) => {
    const node = document.createElementNS(svgNamespace, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    svg.appendChild(node);
    return node;
  };
  add('polygon', { points: corners.map((c) => c.join(',')).join(' '), class: 'simplex-frame' });
  corners.forEach((c, i) => {
    const text = add('text', {
      x: c[0],
      y: i === 0 ? c[1] - 8 : c[1] + 16,
      'text-anchor': i === 0 ? 'middle' : i === 1 ? 'start' : 'end',
    });
    text.textContent = labels[i] ?? '';
  });
  add('polyline', {
    points: thin(last.length, 800)
      .map((i) => at(last[i] as number[]))
      .join(' '),
    fill: 'none',
    stroke: '#adb5bd',
    'stroke-width': 1,
  });
  add('polyline', {
    points: thin(average.length)
      .map((i) => at(average[i] as number[]))
      .join(' '),
    fill: 'none',
    stroke: '#1971c2',
    'stroke-width': 2,
  });
  const [wx, wy] = at(winner).split(',').map(Number);
  add('circle', { cx: wx ?? 0, cy: wy ?? 0, r: 5, fill: '#e03131' });
  return svg;
}

/**
 * The exact game: an editable K×K preference matrix (constant-sum: editing `M_ij` sets
 * `M_ji = 1 − M_ij`), its von Neumann winner by linear programming, and the exact tabular SPPO
 * dynamics (multiplicative weights) from a starting policy, last and average iterate.
 */
export function exactGameView(root: HTMLElement): void {
  let labels = exampleGames['weighted rock-paper-scissors']?.labels.slice() ?? [];
  let matrix = exampleGames['weighted rock-paper-scissors']?.matrix.map((r) => r.slice()) ?? [];
  let randomDraws = 0;

  root.innerHTML = `
    <div class="game-controls">
      <label>game <select data-field="game">
        ${Object.keys(exampleGames)
          .map((name) => `<option>${name}</option>`)
          .join('')}
        <option value="random">random K×K</option>
      </select></label>
      <label>K <input data-field="k" type="number" min="2" max="6" value="3" /></label>
      <label>η <input data-field="eta" type="number" min="0.001" step="0.05" value="0.2" /></label>
      <label>steps T <input data-field="steps" type="number" min="1" max="100000" value="4000" /></label>
      <label>π₀ <input data-field="initial" type="text" value="0.8, 0.1, 0.1" size="14" /></label>
    </div>
    <div class="game-body">
      <div><table class="game-matrix" data-testid="game-matrix"></table>
        <p class="hint">M[i][j] = P(row ≻ column). Edit a cell; its mirror becomes 1 − it.</p>
        <div class="game-winner" data-testid="game-winner"></div>
      </div>
      <div class="game-plots"></div>
    </div>
    <p class="error" data-testid="game-error" hidden></p>`;
  const field = <T extends HTMLElement>(name: string) => root.querySelector(`[data-field="${name}"]`) as T;
  const table = root.querySelector('.game-matrix') as HTMLTableElement;
  const winnerBox = root.querySelector('.game-winner') as HTMLElement;
  const plots = root.querySelector('.game-plots') as HTMLElement;
  const errorBox = root.querySelector('.error') as HTMLElement;

  const renderMatrix = () => {
    const header = `<tr><th></th>${labels.map((l) => `<th>${l}</th>`).join('')}</tr>`;
    const rows = matrix
      .map(
        (row, i) =>
          `<tr><th>${labels[i]}</th>${row
            .map((v, j) =>
              i === j
                ? '<td class="diagonal">½</td>'
                : `<td><input type="number" min="0" max="1" step="0.05" data-i="${i}" data-j="${j}" value="${Number(v.toFixed(4))}" /></td>`,
            )
            .join('')}</tr>`,
      )
      .join('');
    table.innerHTML = header + rows;
  };

  const initialPolicy = (k: number): number[] | undefined => {
    const parts = field<HTMLInputElement>('initial')
      .value.split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map(Number);
    if (parts.length === 0) return undefined;
    if (parts.length !== k || parts.some((p) => !Number.isFinite(p))) {
      throw new Error(`π₀ needs ${k} comma-separated probabilities (or leave it empty for uniform)`);
    }
    const total = parts.reduce((a, b) => a + b, 0);
    return parts.map((p) => p / total);
  };

  const solve = () => {
    errorBox.hidden = true;
    try {
      const eta = Number(field<HTMLInputElement>('eta').value);
      const steps = Math.round(Number(field<HTMLInputElement>('steps').value));
      const winner = vonNeumannWinner(matrix);
      const initial = initialPolicy(matrix.length);
      const run = multiplicativeWeights(matrix, {
        eta,
        iterations: steps,
        ...(initial ? { initial } : {}),
      });
      winnerBox.innerHTML = `<h4>von Neumann winner <small>(game value ${winner.value.toFixed(3)})</small></h4>${winner.policy
        .map(
          (p, i) =>
            `<div class="bar-row"><span>${labels[i]}</span><span class="bar" style="width:${(p * 100).toFixed(1)}%;background:${moveColors[i % moveColors.length]}"></span><span data-move="${labels[i]}">${p.toFixed(3)}</span></div>`,
        )
        .join('')}
        <p class="hint">Average iterate after ${steps} steps: ${(run.averageIterates[steps] ?? [])
          .map((p) => p.toFixed(3))
          .join(', ')}; its exploitability ${(run.averageExploitability[steps] ?? Number.NaN).toExponential(2)}.</p>`;
      plots.replaceChildren();
      const ticks = thin(steps + 1);
      plots.appendChild(
        lineChart({
          title: 'Last iterate π_t (multiplicative weights)',
          xLabel: 'step t',
          yMin: 0,
          yMax: 1,
          legend: true,
          series: labels.map((label, i) => ({
            name: label,
            color: moveColors[i % moveColors.length] as string,
            dots: false,
            points: ticks.map((t) => ({ x: t, y: run.lastIterates[t]?.[i] ?? Number.NaN })),
          })),
        }),
      );
      plots.appendChild(
        lineChart({
          title: 'Exploitability max_y P(y ≻ π) − ½ (log scale)',
          xLabel: 'step t',
          logY: true,
          legend: true,
          series: [
            {
              name: 'last iterate',
              color: '#adb5bd',
              dots: false,
              points: ticks.map((t) => ({ x: t, y: run.lastExploitability[t] ?? Number.NaN })),
            },
            {
              name: 'average iterate',
              color: '#1971c2',
              dots: false,
              points: ticks.map((t) => ({ x: t, y: run.averageExploitability[t] ?? Number.NaN })),
            },
          ],
        }),
      );
      if (matrix.length === 3)
        plots.appendChild(simplexPlot(labels, run.lastIterates, run.averageIterates, winner.policy));
    } catch (error) {
      errorBox.textContent = String((error as Error)?.message ?? error);
      errorBox.hidden = false;
    }
  };

  const setGame = (name: string, k: number) => {
    const game = exampleGames[name];
    if (game !== undefined) {
      labels = game.labels.slice();
      matrix = game.matrix.map((r) => r.slice());
      field<HTMLInputElement>('k').value = String(labels.length);
    } else {
      const rng = createRng(7).fork(`game-${randomDraws++}`);
      labels = labelsFor(k);
      matrix = labels.map(() => labels.map(() => 0.5));
      for (let i = 0; i < k; i++) {
        for (let j = i + 1; j < k; j++) {
          const p = Math.round(rng.next() * 20) / 20;
          (matrix[i] as number[])[j] = p;
          (matrix[j] as number[])[i] = Number((1 - p).toFixed(4));
        }
      }
    }
    const initial = field<HTMLInputElement>('initial');
    if (initial.value.split(',').length !== labels.length) initial.value = '';
    renderMatrix();
    solve();
  };

  field<HTMLSelectElement>('game').addEventListener('change', (e) =>
    setGame((e.target as HTMLSelectElement).value, Number(field<HTMLInputElement>('k').value)),
  );
  field<HTMLInputElement>('k').addEventListener('change', (e) => {
    const k = Math.min(6, Math.max(2, Math.round(Number((e.target as HTMLInputElement).value))));
    field<HTMLSelectElement>('game').value = 'random';
    setGame('random', k);
  });
  for (const name of ['eta', 'steps', 'initial']) field<HTMLInputElement>(name).addEventListener('change', solve);
  table.addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const i = Number(input.dataset.i);
    const j = Number(input.dataset.j);
    const value = Number(input.value);
    if (!(Number.isFinite(value) && value >= 0 && value <= 1)) {
      errorBox.textContent = `M[${labels[i]}][${labels[j]}] must be a probability in [0, 1], got "${input.value}"`;
      errorBox.hidden = false;
      return;
    }
    (matrix[i] as number[])[j] = value;
    (matrix[j] as number[])[i] = Number((1 - value).toFixed(10));
    const mirror = table.querySelector(`input[data-i="${j}"][data-j="${i}"]`) as HTMLInputElement | null;
    if (mirror) mirror.value = String(Number((1 - value).toFixed(4)));
    solve();
  });
  renderMatrix();
  solve();
}
