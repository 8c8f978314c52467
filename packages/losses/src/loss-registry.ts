import { type ComponentContextV1, type LossV1, PrefplayError } from '@prefplay/core';
import { type ConservativeDpoLossOptions, conservativeDpoLoss } from './conservative-dpo-loss.js';
import { type DpoLossOptions, dpoLoss } from './dpo-loss.js';
import { type HingeLossOptions, hingeLoss } from './hinge-loss.js';
import { type IpoLossOptions, ipoLoss } from './ipo-loss.js';
import { type RepulsionLossOptions, repulsionLoss } from './repulsion-loss.js';
import { type RobustDpoLossOptions, robustDpoLoss } from './robust-dpo-loss.js';
import { type SSppoLossOptions, sSppoLoss } from './s-sppo-loss.js';
import { type SppoLossOptions, sppoLoss } from './sppo-loss.js';

/** A function that builds a loss from its (optional) options object. */
export type LossFactory = (...args: never[]) => LossV1;
export type LossFactories = Readonly<Record<string, LossFactory>>;

/** A registry of losses built from a const record of factories; names and options are type-checked. */
export type LossRegistry<Factories extends LossFactories> = {
  /** The factories the registry was built from (spread them to extend a registry). */
  readonly factories: Factories;
  /** Registered names, in insertion order. */
  readonly names: readonly (keyof Factories & string)[];
  /** Whether `name` is registered (narrows the type). */
  has(name: string): name is keyof Factories & string;
  /** Builds the loss `name`; options are typed per name. */
  create<Name extends keyof Factories & string>(name: Name, ...options: Parameters<Factories[Name]>): LossV1;
  /**
   * Builds a loss from untyped input (a config file): throws a `PrefplayError` naming the unknown
   * name and listing the known ones; the factory validates `options` itself.
   */
  createFromConfig(name: string, options?: unknown, context?: ComponentContextV1): LossV1;
};

/**
 * Builds a loss registry from a record of factories, e.g.
 * `createLossRegistry({ ...defaultLossRegistry.factories, mine: myLoss })`.
 * No global state: a registry is a plain value.
 */
export function createLossRegistry<const Factories extends LossFactories>(
  factories: Factories,
): LossRegistry<Factories> {
  const table = Object.freeze({ ...factories }) as Factories;
  const names = Object.freeze(Object.keys(table)) as readonly (keyof Factories & string)[];
  const has = (name: string): name is keyof Factories & string => Object.hasOwn(table, name);
  const create = <Name extends keyof Factories & string>(name: Name, ...options: Parameters<Factories[Name]>) =>
    createFromConfig(name, options[0]);
  function createFromConfig(name: string, options?: unknown, context?: ComponentContextV1): LossV1 {
    if (!has(name)) {
      throw new PrefplayError({
        code: 'invalid-config',
        problem: `unknown loss "${name}"`,
        where: { field: context?.where ?? 'loss.name', fieldPath: ['name'] },
        hint: `Use one of: ${names.join(', ')}, or load a plugin that provides it`,
      });
    }
    const factory = table[name] as unknown as (options?: unknown, context?: ComponentContextV1) => LossV1;
    return options === undefined && context === undefined ? factory() : factory(options, context);
  }
  return { factories: table, names, has, create, createFromConfig };
}

/**
 * Every built-in loss: `sppo` (two-sided), `sppo-single`, `sppo-hard`, `sppo-all`,
 * `sppo-soft-mean`, `s-sppo`, `repulsion`, `dpo`, `cdpo`, `rdpo`, `ipo`, `hinge`.
 */
export const defaultLossRegistry = createLossRegistry({
  sppo: (options: SppoLossOptions = {}) => sppoLoss(options),
  'sppo-single': (options: Omit<SppoLossOptions, 'convention'> = {}) => sppoLoss({ ...options, convention: 'single' }),
  'sppo-hard': (options: Omit<SppoLossOptions, 'convention'> = {}) => sppoLoss({ ...options, convention: 'hard' }),
  'sppo-all': (options: Omit<SppoLossOptions, 'convention'> = {}) => sppoLoss({ ...options, convention: 'all' }),
  'sppo-soft-mean': (options: Omit<SppoLossOptions, 'convention'> = {}) =>
    sppoLoss({ ...options, convention: 'soft-mean' }),
  's-sppo': (options: SSppoLossOptions = {}) => sSppoLoss(options),
  repulsion: (options: RepulsionLossOptions = {}) => repulsionLoss(options),
  dpo: (options: DpoLossOptions = {}) => dpoLoss(options),
  cdpo: (options: ConservativeDpoLossOptions = {}) => conservativeDpoLoss(options),
  rdpo: (options: RobustDpoLossOptions = {}) => robustDpoLoss(options),
  ipo: (options: IpoLossOptions = {}) => ipoLoss(options),
  hinge: (options: HingeLossOptions = {}) => hingeLoss(options),
});
export type DefaultLossName = (typeof defaultLossRegistry.names)[number];
