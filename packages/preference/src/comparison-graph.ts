import { PrefplayError } from '@prefplay/core';
import type { BattleCounts } from './aggregate-battles.js';

function listNames(models: readonly string[], indices: readonly number[], max = 6): string {
  const shown = indices.slice(0, max).map((i) => `"${models[i]}"`);
  return indices.length > max ? `${shown.join(', ')} and ${indices.length - max} more` : shown.join(', ');
}

/**
 * Strongly connected components of the "won at least once (a tie counts both ways)" graph,
 * by an iterative Tarjan walk. Returns the component id of each model and the component count.
 */
function stronglyConnected(n: number, out: readonly number[][]): { component: Int32Array; count: number } {
  const indexOf = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const component = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  let counter = 0;
  let count = 0;
  for (let root = 0; root < n; root++) {
    if (indexOf[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    indexOf[root] = counter;
    low[root] = counter;
    counter++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length > 0) {
      const top = work[work.length - 1] as [number, number];
      const [v, edge] = top;
      const edges = out[v] as number[];
      if (edge < edges.length) {
        top[1] = edge + 1;
        const w = edges[edge] as number;
        if (indexOf[w] === -1) {
          indexOf[w] = counter;
          low[w] = counter;
          counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v] as number, indexOf[w] as number);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]] as number, low[v] as number);
      if (low[v] === indexOf[v]) {
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          component[w] = count;
        } while (w !== v);
        count++;
      }
    }
  }
  return { component, count };
}

/** Count tables already found to have an estimate (a bootstrap round checks its table twice). */
const verified = new WeakSet<BattleCounts>();

/**
 * Fast sufficient condition for existence, by union-find: the pairs where each side won (or tied) at
 * least once connect all models. Each such pair is an edge both ways, so the graph is then strongly
 * connected. (Arena-style data nearly always passes; otherwise the full check below runs.)
 */
function everyPairTwoWayConnected(counts: BattleCounts): boolean {
  const n = counts.models.length;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const root = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[x] !== r) {
      const up = parent[x] as number;
      parent[x] = r;
      x = up;
    }
    return r;
  };
  let components = n;
  for (let k = 0; k < counts.pairI.length; k++) {
    const t = counts.ties[k] as number;
    if (!((counts.winsI[k] as number) > 0 || t > 0) || !((counts.winsJ[k] as number) > 0 || t > 0)) continue;
    const a = root(counts.pairI[k] as number);
    const b = root(counts.pairJ[k] as number);
    if (a !== b) {
      parent[a] = b;
      components--;
    }
  }
  return components === 1;
}

/**
 * Throws a `PrefplayError` (code `numerical`) naming the models responsible when the unpenalised
 * Bradley-Terry maximum-likelihood estimate does not exist. It exists exactly when the directed
 * graph "i won (or tied) at least once against j" is strongly connected (Zermelo 1929, Ford 1957).
 */
export function assertMleExists(counts: BattleCounts, what = 'Bradley-Terry fit'): void {
  const n = counts.models.length;
  if (n <= 1 || verified.has(counts)) return;
  if (everyPairTwoWayConnected(counts)) {
    verified.add(counts);
    return;
  }
  const out: number[][] = Array.from({ length: n }, () => []);
  const undirected: number[][] = Array.from({ length: n }, () => []);
  for (let k = 0; k < counts.pairI.length; k++) {
    const i = counts.pairI[k] as number;
    const j = counts.pairJ[k] as number;
    const total = (counts.winsI[k] as number) + (counts.winsJ[k] as number) + (counts.ties[k] as number);
    if (total <= 0) continue;
    const t = counts.ties[k] as number;
    if ((counts.winsI[k] as number) > 0 || t > 0) (out[i] as number[]).push(j);
    if ((counts.winsJ[k] as number) > 0 || t > 0) (out[j] as number[]).push(i);
    (undirected[i] as number[]).push(j);
    (undirected[j] as number[]).push(i);
  }
  const hint = 'Pass ridge > 0 (e.g. ridge: 0.01) for a finite regularised answer, or collect more battles';
  // 1. connectivity of the comparison graph
  const seen = new Uint8Array(n);
  const groups: number[][] = [];
  for (let s = 0; s < n; s++) {
    if (seen[s]) continue;
    const group: number[] = [];
    const queue = [s];
    seen[s] = 1;
    while (queue.length > 0) {
      const v = queue.pop() as number;
      group.push(v);
      for (const w of undirected[v] as number[]) {
        if (!seen[w]) {
          seen[w] = 1;
          queue.push(w);
        }
      }
    }
    groups.push(group);
  }
  if (groups.length > 1) {
    const described = groups
      .slice(0, 3)
      .map((g) => `{${listNames(counts.models, g, 4)}}`)
      .join(' vs ');
    throw new PrefplayError({
      code: 'numerical',
      problem: `${what}: the comparison graph is disconnected into ${groups.length} groups that never met each other (${described}${groups.length > 3 ? ', ...' : ''}), so their relative strengths are not identified`,
      hint,
    });
  }
  // 2. models that never lost or never won
  const hasIn = new Uint8Array(n);
  for (let v = 0; v < n; v++) for (const w of out[v] as number[]) hasIn[w] = 1;
  const neverLost: number[] = [];
  const neverWon: number[] = [];
  for (let v = 0; v < n; v++) {
    if (!hasIn[v]) neverLost.push(v);
    if ((out[v] as number[]).length === 0) neverWon.push(v);
  }
  if (neverLost.length > 0 || neverWon.length > 0) {
    const parts: string[] = [];
    if (neverLost.length > 0) {
      parts.push(`${listNames(counts.models, neverLost)} never lost (nor tied) a battle`);
    }
    if (neverWon.length > 0) {
      parts.push(`${listNames(counts.models, neverWon)} never won (nor tied) a battle`);
    }
    throw new PrefplayError({
      code: 'numerical',
      problem: `${what}: the maximum-likelihood estimate does not exist because ${parts.join(' and ')}; its rating would be infinite`,
      hint,
    });
  }
  // 3. general case: a group that beat every model outside it
  const { component, count } = stronglyConnected(n, out);
  if (count > 1) {
    const hasOutsideIn = new Uint8Array(count);
    for (let v = 0; v < n; v++) {
      for (const w of out[v] as number[]) {
        if (component[v] !== component[w]) hasOutsideIn[component[w] as number] = 1;
      }
    }
    let source = 0;
    while (source < count && hasOutsideIn[source]) source++;
    const members: number[] = [];
    for (let v = 0; v < n; v++) if (component[v] === source) members.push(v);
    throw new PrefplayError({
      code: 'numerical',
      problem: `${what}: the maximum-likelihood estimate does not exist because the group ${listNames(counts.models, members)} never lost (nor tied) against any model outside it; the gap between the groups would be infinite`,
      hint,
    });
  }
}
