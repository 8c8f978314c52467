import { PrefplayError, parseOptions } from '@prefplay/core';
import { z } from 'zod';

/** A semantic gate: non-increasing `g: [0, 1] → [0, 1]` applied to a similarity. */
export type Gate = {
  readonly gateId: string;
  apply(similarity: number): number;
};

const clip01 = (x: number): number => Math.min(1, Math.max(0, x));

/** Samples `fn` on a grid of [0, 1] and throws unless it is finite, in [0, 1] and non-increasing. */
function validateGate(gateId: string, fn: (s: number) => number, points = 257): void {
  let previous = Number.POSITIVE_INFINITY;
  for (let k = 0; k < points; k++) {
    const s = k / (points - 1);
    const g = fn(s);
    if (typeof g !== 'number' || !Number.isFinite(g) || g < 0 || g > 1) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: `gate "${gateId}" returned ${g} at similarity ${s}; a gate must map [0, 1] into [0, 1]`,
        hint: 'Clip the gate function into [0, 1]',
      });
    }
    if (g > previous + 1e-12) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: `gate "${gateId}" increases from ${previous} to ${g} near similarity ${s}; a gate must be non-increasing`,
        hint: 'More semantic overlap must never sharpen a preference: use a non-increasing function',
      });
    }
    previous = g;
  }
}

export const linearRampGateOptionsSchema = z
  .object({
    /** At or below this similarity the preference passes unchanged (g = 1); default 0.5. */
    low: z.number().min(0).max(1).default(0.5),
    /** At or above this similarity the preference becomes 1/2 (g = 0); default 0.95. */
    high: z.number().min(0).max(1).default(0.95),
  })
  .strict()
  .refine((o) => o.low < o.high, { message: 'low must be below high', path: ['high'] });

export type LinearRampGateOptions = z.input<typeof linearRampGateOptionsSchema>;

/** `g(s) = clip((high − s)/(high − low), 0, 1)`: the default gate of method §3. */
export function linearRampGate(options: LinearRampGateOptions = {}): Gate {
  const { low, high } = parseOptions(linearRampGateOptionsSchema, options, { what: 'linearRampGate options' });
  return {
    gateId: `linear-ramp(${low},${high})`,
    apply: (s) => clip01((high - s) / (high - low)),
  };
}

/** `g(s) = 1 − s` (the linear ramp with low 0, high 1). */
export function oneMinusGate(): Gate {
  return { gateId: 'one-minus', apply: (s) => clip01(1 - s) };
}

/**
 * A gate from any function; checked on a grid of [0, 1] to be non-increasing into [0, 1].
 * Similarities are clipped into [0, 1] before `fn` sees them.
 */
export function customGate(fn: (similarity: number) => number, gateId = 'custom'): Gate {
  if (typeof fn !== 'function') {
    throw new PrefplayError({ code: 'invalid-options', problem: 'customGate needs a function (similarity) => number' });
  }
  validateGate(gateId, fn);
  return { gateId, apply: (s) => fn(clip01(s)) };
}
