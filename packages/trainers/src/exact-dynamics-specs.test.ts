import { describe, expect, it } from 'vitest';
import { effectiveEta, exactDynamicsOf, exactDynamicsSpecs } from './exact-dynamics-specs.js';
import { selfPlayConfigSchema } from './self-play-config.js';
import { selfPlayConfigFromPreset } from './self-play-presets.js';

const resolved = (preset: string, overrides: Record<string, unknown> = {}) =>
  selfPlayConfigSchema.parse(selfPlayConfigFromPreset(preset, overrides));

describe('exact dynamics of a self-play config', () => {
  it('aims at η (K − 1)/K: the expected SPPO target with the self term, by enumeration', () => {
    // a 3-type game and a policy over it; K = 3 samples, the first of type a, the others drawn from π
    const m = [
      [0.5, 0.9, 0.2],
      [0.1, 0.5, 0.7],
      [0.8, 0.3, 0.5],
    ];
    const pi = [0.5, 0.3, 0.2];
    const eta = 4;
    const k = 3;
    for (let a = 0; a < 3; a++) {
      let expected = 0;
      for (let b = 0; b < 3; b++) {
        for (let c = 0; c < 3; c++) {
          // p̂ with M_ii = 1/2 included (official SPPO), target η(p̂ − 1/2)
          const winRate = (0.5 + (m[a]?.[b] as number) + (m[a]?.[c] as number)) / k;
          expected += (pi[b] as number) * (pi[c] as number) * eta * (winRate - 0.5);
        }
      }
      const preference = pi.reduce((s, p, j) => s + p * (m[a]?.[j] as number), 0);
      const config = resolved('sppo', { loss: { name: 'sppo-all', options: { eta } }, samplesPerPrompt: k });
      expect(effectiveEta(config) * (preference - 0.5)).toBeCloseTo(expected, 14);
    }
    // without the self term the target's η is the loss's own
    expect(effectiveEta(resolved('sppo', { loss: { name: 'sppo', options: { eta } }, includeSelf: false }))).toBe(eta);
  });

  it('names exact SPPO and exact S-SPPO with the gate, once per distinct spec, none for DPO', () => {
    const loss = { name: 'sppo-all', options: { eta: 4 } };
    const gate = { low: 0.7, high: 0.95 };
    const sppo = resolved('sppo', { loss, samplesPerPrompt: 8 });
    const sSppo = resolved('s-sppo', { loss, samplesPerPrompt: 8, calibration: { gate } });
    const gateOnly = resolved('s-sppo-gate-only', { loss, samplesPerPrompt: 8, calibration: { gate } });
    const repulsionOnly = resolved('s-sppo-repulsion-only', { loss, samplesPerPrompt: 8 });
    const otherEta = resolved('sppo', { loss: { name: 'sppo-all', options: { eta: 2 } }, samplesPerPrompt: 8 });
    const dpo = resolved('iterative-dpo');
    expect(exactDynamicsOf(dpo)).toBeUndefined();
    expect(exactDynamicsOf(sSppo)).toEqual({ name: 'exact S-SPPO', eta: 3.5, gate });
    expect(exactDynamicsSpecs([sppo, sSppo, dpo, gateOnly, repulsionOnly, otherEta])).toEqual([
      { name: 'exact SPPO', eta: 3.5 },
      { name: 'exact S-SPPO', eta: 3.5, gate },
      { name: 'exact SPPO (η 1.75)', eta: 1.75 },
    ]);
  });
});
