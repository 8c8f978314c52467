import { describe, expect, it } from 'vitest';
import { assertPlugin, createComponentRegistry, emptyComponentRegistries, withPlugins } from './component-registry.js';
import { PrefplayError } from './errors.js';
import type { EvaluatorV1 } from './specs/evaluator.js';
import { definePlugin } from './specs/plugin.js';

const evaluator = (id: string): EvaluatorV1 => ({
  specificationVersion: 'v1',
  evaluatorId: id,
  doEvaluate: async () => ({ [id]: 1 }),
});
const context = { where: 'evaluators[0]', env: {} };

describe('createComponentRegistry', () => {
  it('builds by name with the options and context, and lists the known names for an unknown one', async () => {
    const registry = createComponentRegistry('evaluator', {
      constant: (options) => evaluator(`constant-${(options as { id: string }).id}`),
    });
    expect((await registry.create('constant', { id: 'a' }, context)).evaluatorId).toBe('constant-a');
    const error = await registry.create('missing', {}, context).catch((e: unknown) => e);
    expect(PrefplayError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /unknown evaluator "missing".*evaluators\[0\]|evaluators\[0\].*unknown evaluator "missing"/,
    );
    expect((error as Error).message).toContain('Use one of: constant');
  });

  it('refuses a plugin that takes a name already registered, naming both sources', () => {
    const registries = withPlugins(emptyComponentRegistries(), [
      definePlugin({ name: 'first', evaluators: { mine: () => evaluator('a') } }),
    ]);
    expect(registries.evaluator.names).toEqual(['mine']);
    expect(registries.evaluator.sourceOf('mine')).toBe('plugin "first"');
    expect(() =>
      withPlugins(registries, [definePlugin({ name: 'second', evaluators: { mine: () => evaluator('b') } })]),
    ).toThrow(/plugin "second" registers the evaluator "mine", which plugin "first" already provides/);
  });

  it('recognises plugins and rejects module exports that are not one', () => {
    expect(() => assertPlugin(definePlugin({ name: 'ok', losses: {} }), 'ok.js')).not.toThrow();
    expect(() => assertPlugin(undefined, 'a.js')).toThrow(/a.js is not a prefplay plugin: its export is undefined/);
    expect(() => assertPlugin({ specificationVersion: 'v1', name: 'x', loses: {} }, 'b.js')).toThrow(
      /unknown key "loses"/,
    );
    expect(() => assertPlugin({ specificationVersion: 'v1', name: 'x', losses: { a: 1 } }, 'c.js')).toThrow(
      /"losses.a" is not a function/,
    );
  });
});
