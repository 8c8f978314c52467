import { PrefplayError, parseOptions } from '@prefplay/core';
import { z } from 'zod';

/** The methods the lab trains, as the main job names them. */
export const labMethodNames = ['sppo', 's-sppo', 'iterative-dpo', 'iterative-ipo'] as const;
export type LabMethodName = (typeof labMethodNames)[number];

/** Backends the page can ask the worker for; `auto` is webgl where it starts, else wasm, else cpu. */
export const labBackendNames = ['auto', 'webgl', 'wasm', 'cpu'] as const;
export type LabBackendName = (typeof labBackendNames)[number];

/**
 * What the page's controls (and the URL) set. Fields left out take the preset's value, which is
 * the value `prefplay reproduce` uses (`mainJobPresets`).
 */
export const labSettingsSchema = z.strictObject({
  /** `quick` is `prefplay reproduce --quick`; `full` is `prefplay reproduce` for one seed. */
  preset: z.enum(['quick', 'full']).default('quick'),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  /** κ of the training oracle on same-meaning pairs (0 = the clean truth). */
  overconfidence: z.number().min(0).max(100).optional(),
  /** η of the SPPO loss of SPPO and S-SPPO. */
  eta: z.number().positive().max(100_000).optional(),
  /** The S-SPPO gate: preferences pass unchanged at or below this similarity. */
  gateLow: z.number().min(0).max(1).optional(),
  /** The S-SPPO gate: preferences become 1/2 at or above this similarity. */
  gateHigh: z.number().min(0).max(1).optional(),
  iterations: z.number().int().min(1).max(100).optional(),
  methods: z.array(z.enum(labMethodNames)).min(1).optional(),
  backend: z.enum(labBackendNames).default('auto'),
  /** Start the run as soon as the page has loaded. */
  autostart: z.boolean().default(false),
});

export type LabSettingsInput = z.input<typeof labSettingsSchema>;
export type LabSettings = z.output<typeof labSettingsSchema>;

const numberFields = new Set(['seed', 'overconfidence', 'eta', 'gateLow', 'gateHigh', 'iterations']);

/** Parses the lab's settings (e.g. from the controls); errors name the field. */
export function parseLabSettings(input: unknown): LabSettings {
  const settings = parseOptions(labSettingsSchema, input, { what: 'lab settings', code: 'invalid-options' });
  const low = settings.gateLow;
  const high = settings.gateHigh;
  if (low !== undefined && high !== undefined && !(low < high)) {
    throw new PrefplayError({
      code: 'invalid-options',
      problem: `the gate's low threshold (${low}) must be below its high threshold (${high})`,
      where: { field: 'gateHigh' },
      hint: 'Raise gateHigh or lower gateLow',
    });
  }
  return settings;
}

/**
 * Settings from a query string such as `?preset=quick&autostart=1&seed=2&methods=sppo,s-sppo`.
 * Unknown parameters and unreadable values are errors naming the parameter.
 */
export function labSettingsFromQuery(search: string): LabSettings {
  const params = new URLSearchParams(search);
  const input: Record<string, unknown> = {};
  for (const [key, raw] of params) {
    const value = raw.trim();
    if (Object.hasOwn(input, key)) {
      throw new PrefplayError({
        code: 'invalid-options',
        problem: `the query parameter "${key}" is given twice`,
        where: { field: key },
        hint: 'Give each parameter once',
      });
    }
    if (numberFields.has(key)) {
      const n = value === '' ? Number.NaN : Number(value);
      if (!Number.isFinite(n)) {
        throw new PrefplayError({
          code: 'invalid-options',
          problem: `the query parameter "${key}" must be a number, got "${raw}"`,
          where: { field: key },
        });
      }
      input[key] = n;
    } else if (key === 'autostart') {
      if (!['1', '0', 'true', 'false', ''].includes(value)) {
        throw new PrefplayError({
          code: 'invalid-options',
          problem: `the query parameter "autostart" must be 1 or 0, got "${raw}"`,
          where: { field: key },
        });
      }
      input[key] = value === '1' || value === 'true' || value === '';
    } else if (key === 'methods') {
      input[key] = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    } else {
      input[key] = value;
    }
  }
  return parseLabSettings(input);
}
