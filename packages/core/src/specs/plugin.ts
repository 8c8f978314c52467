import type { EvaluatorV1 } from './evaluator.js';
import type { LossBatchExtensionV1, LossV1 } from './loss.js';
import type { PolicyV1 } from './policy.js';
import type { PreferenceOracleV1 } from './preference-oracle.js';
import type { SamplerV1 } from './sampler.js';
import type { SemanticEncoderV1 } from './semantic-encoder.js';

/** What a component factory is told about where it is being built. */
export type ComponentContextV1 = {
  /** Names the config entry being built, e.g. `methods[1].loss`, for error messages. */
  readonly where: string;
  /** Directory of the config file; relative paths in options resolve against it. */
  readonly baseDirectory?: string;
  /**
   * Environment variables (e.g. for an `apiKeyEnv` option). A factory reads secrets from here,
   * never from its options.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The policy being trained, for components built over it (a hidden-state encoder, a sampler). */
  readonly policy?: PolicyV1;
  /** The task of the run, when the runner has one (e.g. the embedded synthetic task). */
  readonly task?: unknown;
};

/**
 * Builds a component from its config options (which it validates itself, with a located error)
 * and the context. May be async (e.g. to load a model).
 */
export type ComponentFactoryV1<Spec> = (options: unknown, context: ComponentContextV1) => Spec | Promise<Spec>;

/** The kinds of component a config file can name, with the spec each one builds. */
export type ComponentKindsV1 = {
  readonly loss: LossV1;
  readonly oracle: PreferenceOracleV1;
  readonly encoder: SemanticEncoderV1;
  readonly sampler: SamplerV1;
  readonly evaluator: EvaluatorV1;
  readonly batchExtension: LossBatchExtensionV1;
};
export type ComponentKindV1 = keyof ComponentKindsV1;

/**
 * A module's contribution to prefplay: named factories per component kind. A config file lists
 * plugin modules (`plugins: ['./my-plugin.js']`) whose default export is a `PrefplayPluginV1`;
 * their components are then named in the config like the built-in ones, as `{ name, options }`.
 */
export type PrefplayPluginV1 = {
  readonly specificationVersion: 'v1';
  /** Names the plugin in errors (e.g. a duplicate component name). */
  readonly name: string;
  readonly losses?: Readonly<Record<string, ComponentFactoryV1<LossV1>>>;
  readonly oracles?: Readonly<Record<string, ComponentFactoryV1<PreferenceOracleV1>>>;
  readonly encoders?: Readonly<Record<string, ComponentFactoryV1<SemanticEncoderV1>>>;
  readonly samplers?: Readonly<Record<string, ComponentFactoryV1<SamplerV1>>>;
  readonly evaluators?: Readonly<Record<string, ComponentFactoryV1<EvaluatorV1>>>;
  readonly batchExtensions?: Readonly<Record<string, ComponentFactoryV1<LossBatchExtensionV1>>>;
};

/** Identity with the type checked: `export default definePlugin({ ... })`. */
export function definePlugin<const Plugin extends Omit<PrefplayPluginV1, 'specificationVersion'>>(
  plugin: Plugin,
): Plugin & { readonly specificationVersion: 'v1' } {
  return { ...plugin, specificationVersion: 'v1' };
}
