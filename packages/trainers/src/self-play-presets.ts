import { PrefplayError } from '@prefplay/core';
import type { SelfPlayConfig } from './self-play-config.js';

/**
 * The methods users know, as presets of the self-play config's parts. Numbers not given here
 * come from the schemas' defaults (`selfPlayConfigSchema`, the losses' and the gate's).
 */
export const selfPlayPresets = {
  sppo: { name: 'sppo', loss: { name: 'sppo' } },
  's-sppo': { name: 's-sppo', loss: { name: 'sppo' }, calibration: {}, repulsion: {} },
  's-sppo-gate-only': { name: 's-sppo-gate-only', loss: { name: 'sppo' }, calibration: {} },
  's-sppo-repulsion-only': { name: 's-sppo-repulsion-only', loss: { name: 'sppo' }, repulsion: {} },
  'iterative-dpo': { name: 'iterative-dpo', loss: { name: 'dpo' } },
  'iterative-ipo': { name: 'iterative-ipo', loss: { name: 'ipo' } },
} as const satisfies Readonly<Record<string, SelfPlayConfig>>;

export type SelfPlayPresetName = keyof typeof selfPlayPresets;
export const selfPlayPresetNames = Object.keys(selfPlayPresets) as SelfPlayPresetName[];

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Deep merge of config layers, later layers winning. A layer's `loss` with another `name` than
 * the layer below replaces it whole (options of one loss mean nothing to another).
 */
export function mergeConfigLayers(...layers: readonly (Plain | undefined)[]): Plain {
  const out: Plain = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const [key, value] of Object.entries(layer)) {
      const below = out[key];
      const replacesLoss =
        key === 'loss' && isPlain(below) && isPlain(value) && value.name !== undefined && value.name !== below.name;
      out[key] = isPlain(value) && isPlain(below) && !replacesLoss ? mergeConfigLayers(below, value) : value;
    }
  }
  return out;
}

/** A preset with overrides applied (deep merge), ready for `runSelfPlay`. */
export function selfPlayConfigFromPreset(preset: string, overrides: Partial<SelfPlayConfig> = {}): SelfPlayConfig {
  if (!Object.hasOwn(selfPlayPresets, preset)) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `unknown self-play method "${preset}"`,
      where: { field: 'method', fieldPath: [] },
      hint: `Use one of: ${selfPlayPresetNames.join(', ')}, or leave "method" out and give "loss" (and "calibration", "repulsion") yourself`,
    });
  }
  return mergeConfigLayers(selfPlayPresets[preset as SelfPlayPresetName], overrides as Plain) as SelfPlayConfig;
}
