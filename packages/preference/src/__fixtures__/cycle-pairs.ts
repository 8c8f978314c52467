import type { PreferencePairV1 } from '../train-pairwise.js';

const prompt = { id: 'p', tokens: [0] };
const item = (i: number) => ({ tokens: [i] });

/** Rock-paper-scissors over items 0, 1, 2: P(0 ≻ 1) = P(1 ≻ 2) = P(2 ≻ 0) = p, both orientations of each pair. */
export function cyclePairs(p = 0.9): PreferencePairV1[] {
  const out: PreferencePairV1[] = [];
  for (const [a, b] of [
    [0, 1],
    [1, 2],
    [2, 0],
  ] as const) {
    out.push({ prompt, chosen: item(a), rejected: item(b), probability: p });
    out.push({ prompt, chosen: item(b), rejected: item(a), probability: 1 - p });
  }
  return out;
}
