import type { Rng } from '@prefplay/core';

/** A source of uniform floats in [0, 1). */
type Uniform = () => number;

/** Binomial by CDF inversion from 0 (cost O(np)); for p ≤ 1/2 and small np. */
function binomialInversion(next: Uniform, n: number, p: number): number {
  const q = 1 - p;
  const s = p / q;
  const a = (n + 1) * s;
  let r = Math.exp(n * Math.log1p(-p));
  let u = next();
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

/** `log k! − [(k + ½)·log(k + 1) − (k + 1) + ½·log 2π]`, the Stirling remainder. */
function stirlingTail(k: number): number {
  if (k <= 9) {
    let logFactorial = 0;
    for (let i = 2; i <= k; i++) logFactorial += Math.log(i);
    return logFactorial - ((k + 0.5) * Math.log(k + 1) - (k + 1) + halfLog2Pi);
  }
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
  const r = p / (1 - p);
  const alpha = (2.83 + 5.1 / b) * spq;
  const m = Math.floor((n + 1) * p);
  for (;;) {
    const u = next() - 0.5;
    let v = next();
    const us = 0.5 - Math.abs(u);
    if (us <= 0) continue;
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    if (v <= 0) continue;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    const bound =
      (m + 0.5) * Math.log((m + 1) / (r * (n - m + 1))) +
      (n + 1) * Math.log((n - m + 1) / (n - k + 1)) +
      (k + 0.5) * Math.log((r * (n - k + 1)) / (k + 1)) +
      stirlingTail(m) +
      stirlingTail(n - m) -
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

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * xoshiro128** seeded with four words from `rng`, its state in a typed array: several times faster
 * per draw than a generator whose state lives in closure variables (which V8 boxes as heap numbers
 * above 2³¹), for the thousands of uniforms one multinomial draw needs. Reproducible from `rng`.
 */
function fastUniform(rng: Rng): Uniform {
  const s = Uint32Array.from({ length: 4 }, () => Math.floor(rng.next() * 4294967296));
  if (s.every((word) => word === 0)) s[0] = 1;
  return () => {
    const s0 = s[0] as number;
    const s1 = s[1] as number;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s[2] = (s[2] as number) ^ s0;
    s[3] = (s[3] as number) ^ s1;
    s[1] = s1 ^ (s[2] as number);
    s[0] = s0 ^ (s[3] as number);
    s[2] = (s[2] as number) ^ t;
    s[3] = rotl(s[3] as number, 11);
    return result / 4294967296;
  };
}

/**
 * Multinomial(total, weights/Σweights) counts, equivalent in distribution to drawing `total` items
 * with replacement with probabilities ∝ `weights`. Splits the cells in halves recursively with one
 * binomial per split (p ≈ 1/2, n halving), which costs far less than one binomial per cell. The
 * uniforms come from a fast generator seeded from `rng` (four draws of it per call).
 */
export function sampleMultinomial(rng: Rng, total: number, weights: ArrayLike<number>): Float64Array {
  const next = fastUniform(rng);
  const cells = weights.length;
  const out = new Float64Array(cells);
  const prefix = new Float64Array(cells + 1);
  for (let k = 0; k < cells; k++) prefix[k + 1] = (prefix[k] as number) + Math.max(0, weights[k] as number);
  const split = (lo: number, hi: number, count: number): void => {
    if (count === 0) return;
    if (hi - lo === 1) {
      out[lo] = count;
      return;
    }
    const mid = (lo + hi) >>> 1;
    const massLeft = (prefix[mid] as number) - (prefix[lo] as number);
    const mass = (prefix[hi] as number) - (prefix[lo] as number);
    const left = massLeft <= 0 ? 0 : massLeft >= mass ? count : binomial(next, count, massLeft / mass);
    split(lo, mid, left);
    split(mid, hi, count - left);
  };
  if (cells > 0 && (prefix[cells] as number) > 0) split(0, cells, total);
  return out;
}
