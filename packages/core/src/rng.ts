/** Serializable state of a `Rng`: the seed word (for forks) and four xoshiro128** words. */
export type RngState = {
  readonly seed: number;
  readonly words: readonly [number, number, number, number];
};

/** A seeded, reproducible pseudo-random source (xoshiro128**, seeded through splitmix32). */
export type Rng = {
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal deviate (Box-Muller). */
  normal(): number;
  /** Index drawn with probability proportional to `weights` (non-negative, not all zero). */
  categorical(weights: ArrayLike<number>): number;
  /** A new in-place Fisher-Yates shuffle of a copy of `items`. */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream derived from this generator's seed and `label`; does not advance this one. */
  fork(label: string | number): Rng;
  /** Current state, to checkpoint and later resume with `createRng({ state })`. */
  state(): RngState;
};

function splitmix32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(label: string | number): number {
  const text = String(label);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Creates a generator from an integer seed or a saved state. */
export function createRng(seedOrState: number | { readonly state: RngState }): Rng {
  let s0: number;
  let s1: number;
  let s2: number;
  let s3: number;
  let seedWord: number;
  if (typeof seedOrState === 'number') {
    if (!Number.isFinite(seedOrState)) throw new RangeError(`rng seed must be finite, got ${seedOrState}`);
    seedWord = (Math.floor(seedOrState) >>> 0) ^ Math.floor(seedOrState / 2 ** 32);
    const sm = splitmix32(seedWord);
    s0 = sm();
    s1 = sm();
    s2 = sm();
    s3 = sm();
  } else {
    [s0, s1, s2, s3] = seedOrState.state.words;
    seedWord = seedOrState.state.seed >>> 0;
  }
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };

  const next = (): number => nextU32() / 2 ** 32;

  const rng: Rng = {
    next,
    int(n: number): number {
      if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`rng.int needs a positive integer, got ${n}`);
      return Math.floor(next() * n);
    },
    normal(): number {
      let u = next();
      while (u <= 0) u = next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    categorical(weights: ArrayLike<number>): number {
      let total = 0;
      for (let i = 0; i < weights.length; i++) {
        const w = weights[i] ?? 0;
        if (!(w >= 0)) throw new RangeError(`rng.categorical weight ${i} is ${w}; weights must be non-negative`);
        total += w;
      }
      if (!(total > 0)) throw new RangeError('rng.categorical needs at least one positive weight');
      let u = next() * total;
      let last = 0;
      for (let i = 0; i < weights.length; i++) {
        const w = weights[i] ?? 0;
        if (w > 0) last = i;
        u -= w;
        if (u < 0) return i;
      }
      return last;
    },
    shuffle<T>(items: readonly T[]): T[] {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = out[i] as T;
        out[i] = out[j] as T;
        out[j] = tmp;
      }
      return out;
    },
    fork(label: string | number): Rng {
      return createRng((seedWord ^ hashLabel(label)) >>> 0);
    },
    state(): RngState {
      return { seed: seedWord, words: [s0, s1, s2, s3] };
    },
  };
  return rng;
}
