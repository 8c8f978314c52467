import type { Rng } from '@prefplay/core';

/** A source of uniform floats in [0, 1): a seeded `Rng`'s `next`, or the state of `fastUniform`. */
type Uniform = (() => number) | Uint32Array;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The next uniform of a source: one xoshiro128** step on a state array, or a call. */
function draw(source: Uniform): number {
  if (typeof source === 'function') return source();
  const s0 = source[0] as number;
  const s1 = source[1] as number;
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  source[2] = (source[2] as number) ^ s0;
  source[3] = (source[3] as number) ^ s1;
  source[1] = s1 ^ (source[2] as number);
  source[0] = s0 ^ (source[3] as number);
  source[2] = (source[2] as number) ^ t;
  source[3] = rotl(source[3] as number, 11);
  return result / 4294967296;
}

/** Binomial by CDF inversion from 0 (cost O(np)); for p ≤ 1/2 and small np. */
function binomialInversion(next: Uniform, n: number, p: number): number {
  const q = 1 - p;
  const s = p / q;
  const a = (n + 1) * s;
  let r = Math.exp(n * Math.log1p(-p));
  let u = draw(next);
  let x = 0;
  while (u >= r) {
    u -= r;
    x++;
    if (x >= n) return n;
    r *= a / x - s;
    if (r <= 0) return x;
  }
  return x;
}

const halfLog2Pi = 0.5 * Math.log(2 * Math.PI);

function stirlingTailExact(k: number): number {
  let logFactorial = 0;
  for (let i = 2; i <= k; i++) logFactorial += Math.log(i);
  return logFactorial - ((k + 0.5) * Math.log(k + 1) - (k + 1) + halfLog2Pi);
}

/** The remainder for k ≤ 9, computed once (the series below is accurate only from k = 10). */
const smallStirlingTails = Float64Array.from({ length: 10 }, (_, k) => stirlingTailExact(k));

/** `log k! − [(k + ½)·log(k + 1) − (k + 1) + ½·log 2π]`, the Stirling remainder. */
function stirlingTail(k: number): number {
  if (k <= 9) return smallStirlingTails[k] as number;
  const kp1sq = (k + 1) * (k + 1);
  return (1 / 12 - (1 / 360 - 1 / 1260 / kp1sq) / kp1sq) / (k + 1);
}

/** BTRS: transformed rejection with squeeze (Hörmann 1993), exact, O(1) expected; p ≤ 1/2, np ≥ 10. */
function binomialRejection(next: Uniform, n: number, p: number): number {
  const spq = Math.sqrt(n * p * (1 - p));
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  // The constants of the slow path (about half the draws need it), computed on first need.
  let r = Number.NaN;
  let alpha = Number.NaN;
  let m = Number.NaN;
  let fixedBound = Number.NaN;
  for (;;) {
    const u = draw(next) - 0.5;
    let v = draw(next);
    const us = 0.5 - Math.abs(u);
    if (us <= 0) continue;
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    if (v <= 0) continue;
    if (Number.isNaN(fixedBound)) {
      r = p / (1 - p);
      alpha = (2.83 + 5.1 / b) * spq;
      m = Math.floor((n + 1) * p);
      fixedBound = (m + 0.5) * Math.log((m + 1) / (r * (n - m + 1))) + stirlingTail(m) + stirlingTail(n - m);
    }
    v = Math.log((v * alpha) / (a / (us * us) + b));
    const bound =
      fixedBound +
      (n + 1) * Math.log((n - m + 1) / (n - k + 1)) +
      (k + 0.5) * Math.log((r * (n - k + 1)) / (k + 1)) -
      stirlingTail(k) -
      stirlingTail(n - k);
    if (v <= bound) return k;
  }
}

/**
 * Exact Binomial(n, p) deviate from a seeded `Rng`: CDF inversion when `np < 10`, otherwise
 * Hörmann's BTRS rejection sampler (constant expected cost for any n).
 */
export function sampleBinomial(rng: Rng, n: number, p: number): number {
  return binomial(rng.next, n, p);
}

function binomial(next: Uniform, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(next, n, 1 - p);
  if (n * p < 10) return binomialInversion(next, n, p);
  return binomialRejection(next, n, p);
}

/**
 * xoshiro128** state seeded with four words from `rng`, in a typed array: several times faster per
 * draw than a generator whose state lives in closure variables (which V8 boxes as heap numbers above
 * 2³¹), for the thousands of uniforms one multinomial draw needs. Reproducible from `rng`.
 */
function fastUniform(rng: Rng): Uint32Array {
  const s = Uint32Array.from({ length: 4 }, () => Math.floor(rng.next() * 4294967296));
  if (s.every((word) => word === 0)) s[0] = 1;
  return s;
}

/**
 * Multinomial(total, weights/Σweights) counts, equivalent in distribution to drawing `total` items
 * with replacement with probabilities ∝ `weights`. Splits the cells in halves recursively with one
 * binomial per split (p ≈ 1/2, n halving), which costs far less than one binomial per cell. The
 * uniforms come from a fast generator seeded from `rng` (four draws of it per call).
 */
export function sampleMultinomial(rng: Rng, total: number, weights: ArrayLike<number>): Float64Array {
  return multinomialSampler(weights)(rng, total);
}

/**
 * `sampleMultinomial` for fixed `weights` drawn many times (bootstrap rounds): the split tree's
 * conditional probabilities are computed once, and each draw walks the tree with an explicit stack.
 * The draws equal `sampleMultinomial`'s for the same rng.
 */
export function multinomialSampler(weights: ArrayLike<number>): (rng: Rng, total: number) => Float64Array {
  const cells = weights.length;
  const prefix = new Float64Array(cells + 1);
  for (let k = 0; k < cells; k++) prefix[k + 1] = (prefix[k] as number) + Math.max(0, weights[k] as number);
  // Node i of the split tree (root 1, children 2i and 2i + 1) halves [lo, hi) at the midpoint; its
  // entry is the probability of the left half (exactly 0 or 1 when a half has no mass).
  const left = new Float64Array(Math.max(2, 4 * cells));
  const build = (node: number, lo: number, hi: number): void => {
    if (hi - lo <= 1) return;
    const mid = (lo + hi) >>> 1;
    const massLeft = (prefix[mid] as number) - (prefix[lo] as number);
    const mass = (prefix[hi] as number) - (prefix[lo] as number);
    left[node] = massLeft <= 0 ? 0 : massLeft >= mass ? 1 : massLeft / mass;
    build(2 * node, lo, mid);
    build(2 * node + 1, mid, hi);
  };
  build(1, 0, cells);
  const positive = cells > 0 && (prefix[cells] as number) > 0;
  // (node, lo, hi, count) entries; at most one pending right half per level of the tree
  const stack = new Float64Array(4 * 64);
  return (rng: Rng, total: number): Float64Array => {
    const next = fastUniform(rng);
    const out = new Float64Array(cells);
    if (!positive) return out;
    stack[0] = 1;
    stack[1] = 0;
    stack[2] = cells;
    stack[3] = total;
    let top = 4;
    while (top > 0) {
      top -= 4;
      const node = stack[top] as number;
      const lo = stack[top + 1] as number;
      const hi = stack[top + 2] as number;
      const count = stack[top + 3] as number;
      if (count === 0) continue;
      if (hi - lo === 1) {
        out[lo] = count;
        continue;
      }
      const mid = (lo + hi) >>> 1;
      const p = left[node] as number;
      const toLeft = p <= 0 ? 0 : p >= 1 ? count : binomial(next, count, p);
      // the right half goes below the left one: depth-first, left to right, as the recursion did
      stack[top] = 2 * node + 1;
      stack[top + 1] = mid;
      stack[top + 2] = hi;
      stack[top + 3] = count - toLeft;
      stack[top + 4] = 2 * node;
      stack[top + 5] = lo;
      stack[top + 6] = mid;
      stack[top + 7] = toLeft;
      top += 8;
    }
    return out;
  };
}
