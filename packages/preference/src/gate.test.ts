import { describe, expect, it } from 'vitest';
import { customGate, linearRampGate, oneMinusGate } from './gate.js';

describe('gates', () => {
  it('linear ramp is clip((high − s)/(high − low), 0, 1)', () => {
    const g = linearRampGate({ low: 0.2, high: 0.8 });
    expect(g.apply(0)).toBe(1);
    expect(g.apply(0.2)).toBe(1);
    expect(g.apply(0.5)).toBeCloseTo(0.5, 15);
    expect(g.apply(0.65)).toBeCloseTo(0.25, 15);
    expect(g.apply(0.8)).toBe(0);
    expect(g.apply(1)).toBe(0);
    expect(g.gateId).toBe('linear-ramp(0.2,0.8)');
  });

  it('one-minus is the ramp with low 0, high 1', () => {
    const a = oneMinusGate();
    const b = linearRampGate({ low: 0, high: 1 });
    for (let s = 0; s <= 1; s += 0.05) expect(a.apply(s)).toBeCloseTo(b.apply(s), 15);
  });

  it('validates ramp options naming the field', () => {
    expect(() => linearRampGate({ low: 0.8, high: 0.2 })).toThrowError(
      /linearRampGate options.*"high".*low must be below high/,
    );
    expect(() => linearRampGate({ low: -0.1, high: 0.5 })).toThrowError(/"low"/);
  });

  it('custom gates must be non-increasing into [0, 1]', () => {
    const g = customGate((s) => (1 - s) ** 2, 'square');
    expect(g.apply(0.5)).toBe(0.25);
    expect(g.apply(1.5)).toBe(0); // clipped input
    expect(() => customGate((s) => s)).toThrowError(/increases/);
    expect(() => customGate((s) => 2 - s)).toThrowError(/into \[0, 1\]/);
    expect(() => customGate(() => Number.NaN)).toThrowError(/returned NaN/);
  });
});
