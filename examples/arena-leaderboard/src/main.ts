import { readFileSync } from 'node:fs';
import { vonNeumannWinner } from '@prefplay/evaluators';
import { type Battle, leaderboard, parseBattles } from '@prefplay/preference';

const file = new URL('../battles.jsonl', import.meta.url);
const battles = parseBattles(readFileSync(file, 'utf8'), { file: 'battles.jsonl' });
const rows = leaderboard(battles, { bootstrap: 200, seed: 0 });

console.log(`Bradley-Terry leaderboard of ${battles.length} battles (ties count half, 200 bootstrap rounds)\n`);
console.log('rank  model      rating   95% CI');
for (const r of rows) {
  console.log(
    `${String(r.rank).padStart(4)}  ${r.model.padEnd(9)}  ${r.rating.toFixed(1).padStart(6)}   [${r.ratingQ025.toFixed(1)}, ${r.ratingQ975.toFixed(1)}]`,
  );
}

/** Observed P(i ≻ j) with ties as half a win, over the models in `names`. */
function observedMatrix(all: readonly Battle[], names: readonly string[]): number[][] {
  const index = new Map(names.map((name, i) => [name, i]));
  const wins = names.map(() => names.map(() => 0));
  const games = names.map(() => names.map(() => 0));
  for (const { modelA, modelB, winner } of all) {
    const a = index.get(modelA);
    const b = index.get(modelB);
    if (a === undefined || b === undefined) continue;
    const score = winner === 'model_a' ? 1 : winner === 'model_b' ? 0 : 0.5;
    (wins[a] as number[])[b] = ((wins[a] as number[])[b] as number) + score;
    (wins[b] as number[])[a] = ((wins[b] as number[])[a] as number) + 1 - score;
    (games[a] as number[])[b] = ((games[a] as number[])[b] as number) + 1;
    (games[b] as number[])[a] = ((games[b] as number[])[a] as number) + 1;
  }
  return names.map((_, i) =>
    names.map((_, j) => (i === j ? 0.5 : ((wins[i] as number[])[j] as number) / ((games[i] as number[])[j] as number))),
  );
}

const rating = new Map(rows.map((r) => [r.model, r.rating]));
const predicted = (a: string, b: string) => 1 / (1 + 10 ** (-((rating.get(a) ?? 0) - (rating.get(b) ?? 0)) / 400));
const trio = ['alpha', 'bravo', 'charlie'];
const trioMatrix = observedMatrix(battles, trio);
console.log('\nThe intransitive trio: observed win rate vs what the Bradley-Terry ratings predict');
for (const [a, b] of [
  ['alpha', 'bravo'],
  ['bravo', 'charlie'],
  ['charlie', 'alpha'],
] as const) {
  const observed = trioMatrix[trio.indexOf(a)]?.[trio.indexOf(b)] as number;
  console.log(`  P(${a} ≻ ${b})  observed ${observed.toFixed(3)}   Bradley-Terry ${predicted(a, b).toFixed(3)}`);
}

const names = rows.map((r) => r.model);
const format = (policy: number[], labels: readonly string[]) =>
  policy
    .map((p, i) => [labels[i], p] as const)
    .filter(([, p]) => p > 1e-9)
    .map(([label, p]) => `${label} ${p.toFixed(3)}`)
    .join(', ');
console.log('\nvon Neumann winner of the observed preferences (ties as half a win):');
console.log(`  all five models: ${format(vonNeumannWinner(observedMatrix(battles, names)).policy, names)}`);
console.log(`  the trio alone:   ${format(vonNeumannWinner(trioMatrix).policy, trio)}`);
