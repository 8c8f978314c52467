import { PrefplayError } from './errors.js';
import type {
  ComponentContextV1,
  ComponentFactoryV1,
  ComponentKindsV1,
  ComponentKindV1,
  PrefplayPluginV1,
} from './specs/plugin.js';

/** Named factories of one kind of component, as a value (no global registration). */
export type ComponentRegistry<Kind extends ComponentKindV1> = {
  readonly kind: Kind;
  /** Registered names, in insertion order. */
  readonly names: readonly string[];
  has(name: string): boolean;
  /** Where a name came from (`built-in` or a plugin's name). */
  sourceOf(name: string): string | undefined;
  /** Builds `name`; an unknown name is a located error listing the known ones. */
  create(name: string, options: unknown, context: ComponentContextV1): Promise<ComponentKindsV1[Kind]>;
  /** A new registry with more factories; a name that is already taken is an error. */
  extend(
    factories: Readonly<Record<string, ComponentFactoryV1<ComponentKindsV1[Kind]>>>,
    source: string,
  ): ComponentRegistry<Kind>;
};

type Entry<Kind extends ComponentKindV1> = {
  readonly factory: ComponentFactoryV1<ComponentKindsV1[Kind]>;
  readonly source: string;
};

function build<Kind extends ComponentKindV1>(
  kind: Kind,
  table: ReadonlyMap<string, Entry<Kind>>,
): ComponentRegistry<Kind> {
  const names = Object.freeze([...table.keys()]);
  return {
    kind,
    names,
    has: (name) => table.has(name),
    sourceOf: (name) => table.get(name)?.source,
    async create(name, options, context) {
      const entry = table.get(name);
      if (entry === undefined) {
        throw new PrefplayError({
          code: 'invalid-config',
          problem: `unknown ${kind} "${name}"`,
          where: { field: context.where, fieldPath: [] },
          hint: `Use one of: ${names.join(', ') || '(none registered)'}, or load a plugin that provides it`,
        });
      }
      return entry.factory(options, context);
    },
    extend(factories, source) {
      const next = new Map(table);
      for (const [name, factory] of Object.entries(factories)) {
        const taken = next.get(name);
        if (taken !== undefined) {
          throw new PrefplayError({
            code: 'invalid-config',
            problem: `${source} registers the ${kind} "${name}", which ${taken.source} already provides`,
            hint: 'Give the plugin component another name',
          });
        }
        next.set(name, { factory, source });
      }
      return build(kind, next);
    },
  };
}

/** A registry of `kind` built from a record of factories. */
export function createComponentRegistry<Kind extends ComponentKindV1>(
  kind: Kind,
  factories: Readonly<Record<string, ComponentFactoryV1<ComponentKindsV1[Kind]>>> = {},
  source = 'built-in',
): ComponentRegistry<Kind> {
  return build(kind, new Map<string, Entry<Kind>>()).extend(factories, source);
}

/** One registry per component kind. */
export type ComponentRegistries = { readonly [Kind in ComponentKindV1]: ComponentRegistry<Kind> };

const pluginKeys = {
  losses: 'loss',
  oracles: 'oracle',
  encoders: 'encoder',
  samplers: 'sampler',
  evaluators: 'evaluator',
  batchExtensions: 'batchExtension',
} as const satisfies Record<Exclude<keyof PrefplayPluginV1, 'specificationVersion' | 'name'>, ComponentKindV1>;

/** Empty registries of every kind. */
export function emptyComponentRegistries(): ComponentRegistries {
  return {
    loss: createComponentRegistry('loss'),
    oracle: createComponentRegistry('oracle'),
    encoder: createComponentRegistry('encoder'),
    sampler: createComponentRegistry('sampler'),
    evaluator: createComponentRegistry('evaluator'),
    batchExtension: createComponentRegistry('batchExtension'),
  };
}

/**
 * Checks that a module's export is a `PrefplayPluginV1`; `where` names the module in the error.
 */
export function assertPlugin(value: unknown, where: string): asserts value is PrefplayPluginV1 {
  const fail = (problem: string): never => {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `${where} is not a prefplay plugin: ${problem}`,
      where: { file: where },
      hint: "Export one as the module's default: export default definePlugin({ name, losses: { ... } })",
    });
  };
  if (typeof value !== 'object' || value === null) fail(`its export is ${value === null ? 'null' : typeof value}`);
  const plugin = value as Record<string, unknown>;
  if (plugin.specificationVersion !== 'v1')
    fail(`specificationVersion is ${JSON.stringify(plugin.specificationVersion)}, expected "v1"`);
  if (typeof plugin.name !== 'string' || plugin.name.length === 0) fail('it has no name');
  for (const key of Object.keys(plugin)) {
    if (key === 'specificationVersion' || key === 'name') continue;
    if (!(key in pluginKeys)) fail(`unknown key "${key}" (allowed: ${Object.keys(pluginKeys).join(', ')})`);
    const table = plugin[key];
    if (typeof table !== 'object' || table === null) fail(`"${key}" must be a record of factories`);
    for (const [name, factory] of Object.entries(table as Record<string, unknown>)) {
      if (typeof factory !== 'function') fail(`"${key}.${name}" is not a function`);
    }
  }
}

/** The registries extended with every plugin's components (a taken name is an error). */
export function withPlugins(
  registries: ComponentRegistries,
  plugins: readonly PrefplayPluginV1[],
): ComponentRegistries {
  let out = registries;
  for (const plugin of plugins) {
    const next = { ...out } as { -readonly [K in ComponentKindV1]: ComponentRegistry<K> };
    for (const [key, kind] of Object.entries(pluginKeys) as [keyof typeof pluginKeys, ComponentKindV1][]) {
      const factories = plugin[key];
      if (factories === undefined) continue;
      // each kind's registry extended with the plugin's factories of that kind
      (next as Record<ComponentKindV1, ComponentRegistry<ComponentKindV1>>)[kind] = (
        out[kind] as ComponentRegistry<ComponentKindV1>
      ).extend(
        factories as Record<string, ComponentFactoryV1<ComponentKindsV1[ComponentKindV1]>>,
        `plugin "${plugin.name}"`,
      );
    }
    out = next;
  }
  return out;
}
