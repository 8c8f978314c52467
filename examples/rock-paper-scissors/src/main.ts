import { multiplicativeWeights, vonNeumannWinner } from '@prefplay/evaluators';

// Weighted rock-paper-scissors as a preference matrix M[i][j] = P(i ≻ j): rock beats scissors
// by 0.8, scissors beats paper by 0.4, paper beats rock by 0.6. There is no best response, only a
// cycle; the von Neumann winner puts weight on each move proportional to the edge opposite it.
const labels = ['rock', 'paper', 'scissors'];
const matrix = [
  [0.5, 0.2, 0.9],
  [0.8, 0.5, 0.3],
  [0.1, 0.7, 0.5],
];

const winner = vonNeumannWinner(matrix);
const iterations = 4000;
const eta = 0.2;
// Exact tabular SPPO: π_{t+1} ∝ π_t · exp(η · P(y ≻ π_t)), from a policy that mostly plays rock.
const run = multiplicativeWeights(matrix, { eta, iterations, initial: [0.8, 0.1, 0.1] });

const mix = (p: readonly number[]) => p.map((x) => x.toFixed(3)).join(' ');
console.log(`von Neumann winner (LP): ${labels.map((l, i) => `${l} ${winner.policy[i]?.toFixed(3)}`).join(', ')}`);
console.log(`exact SPPO, η = ${eta}, ${iterations} steps, π_0 = (0.8, 0.1, 0.1)\n`);
console.log('    t   last iterate π_t (r p s)   expl(π_t)   average π̄_t (r p s)   expl(π̄_t)');
for (const t of [0, 10, 50, 100, 250, 500, 1000, 2000, 3000, 4000]) {
  console.log(
    `${String(t).padStart(5)}   ${mix(run.lastIterates[t] ?? [])}          ${run.lastExploitability[t]?.toFixed(4)}      ${mix(run.averageIterates[t] ?? [])}           ${run.averageExploitability[t]?.toFixed(4)}`,
  );
}
const late = run.lastExploitability.slice(iterations / 2);
console.log(
  `\nlast iterate over the second half: exploitability between ${Math.min(...late).toFixed(3)} and ${Math.max(...late).toFixed(3)} (it cycles)`,
);
console.log(
  `average iterate at T = ${iterations}: exploitability ${run.averageExploitability[iterations]?.toFixed(4)} (it converges)`,
);
