import { resolveSppoLossOptions } from '@prefplay/losses';
import { type ResolvedSelfPlayConfig, resolveCalibration } from './self-play-config.js';

/** The exact (tabular) update a self-play config's learned update aims at. */
export type ExactDynamicsSpec = {
  /** `exact SPPO`, or `exact S-SPPO` with the gate. */
  readonly name: string;
  /** Step size of `π_{t+1} ∝ π_t exp(η P(y ≻ π_t))`. */
  readonly eta: number;
  /** The linear-ramp gate of the calibrated game `M̃ = 1/2 + g(s)(M − 1/2)`; absent for SPPO. */
  readonly gate?: { readonly low: number; readonly high: number };
};

/** Whether a config trains an SPPO-family loss (`sppo`, `sppo-all`, …), which has an exact dynamics. */
export function isSppoFamily(config: ResolvedSelfPlayConfig): boolean {
  return config.loss.name.startsWith('sppo');
}

/**
 * The η of the exact update an SPPO config's regression targets aim at: SPPO's target
 * `η(p̂ − 1/2)` with the self term `M_ii = 1/2` in `p̂` has expectation `η (K − 1)/K (P(y ≻ π) − 1/2)`.
 */
export function effectiveEta(config: ResolvedSelfPlayConfig): number {
  const { eta } = resolveSppoLossOptions((config.loss.options ?? {}) as never);
  const k = config.samplesPerPrompt;
  return config.includeSelf ? (eta * (k - 1)) / k : eta;
}

/** The exact dynamics of one SPPO-family config (undefined for other losses): η and, when calibrated, the gate. */
export function exactDynamicsOf(config: ResolvedSelfPlayConfig): ExactDynamicsSpec | undefined {
  if (!isSppoFamily(config)) return undefined;
  const calibrated = resolveCalibration(config).gate;
  const gate = config.calibration?.gate;
  return {
    name: calibrated ? 'exact S-SPPO' : 'exact SPPO',
    eta: effectiveEta(config),
    ...(calibrated && gate ? { gate: { low: gate.low, high: gate.high } } : {}),
  };
}

/**
 * The exact dynamics to draw beside a set of learned runs: one per distinct (calibration, η,
 * gate) among the SPPO-family configs, in their order; a second spec of the same name is told
 * apart by its η (`exact SPPO (η 3.00)`).
 */
export function exactDynamicsSpecs(configs: readonly ResolvedSelfPlayConfig[]): ExactDynamicsSpec[] {
  const specs = new Map<string, ExactDynamicsSpec>();
  for (const config of configs) {
    const spec = exactDynamicsOf(config);
    if (spec === undefined) continue;
    const key = JSON.stringify(spec);
    if (specs.has(key)) continue;
    const clash = [...specs.values()].some((s) => s.name === spec.name);
    specs.set(key, clash ? { ...spec, name: `${spec.name} (η ${spec.eta.toFixed(2)})` } : spec);
  }
  return [...specs.values()];
}
