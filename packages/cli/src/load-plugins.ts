import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertPlugin, PrefplayError, type PrefplayPluginV1 } from '@prefplay/core';

/**
 * Imports plugin modules: a path (relative to `baseDirectory`, the config file's folder) or a
 * package name resolved from there. Each module's default export (or its export `plugin`) must
 * be a `PrefplayPluginV1`.
 */
export async function loadPlugins(specifiers: readonly string[], baseDirectory: string): Promise<PrefplayPluginV1[]> {
  const out: PrefplayPluginV1[] = [];
  for (const [i, specifier] of specifiers.entries()) {
    const isPath = specifier.startsWith('.') || isAbsolute(specifier);
    let file: string;
    try {
      file = isPath
        ? resolve(baseDirectory, specifier)
        : createRequire(join(baseDirectory, 'package.json')).resolve(specifier);
    } catch (error) {
      throw new PrefplayError({
        code: 'invalid-config',
        problem: `cannot find the plugin package "${specifier}" from ${baseDirectory}`,
        where: { field: `plugins[${i}]`, fieldPath: ['plugins', i] },
        hint: 'Install it next to the config file, or give a path starting with ./',
        cause: error,
      });
    }
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      throw new PrefplayError({
        code: 'invalid-config',
        problem: `cannot load the plugin module ${file}: ${(error as Error).message}`,
        where: { field: `plugins[${i}]`, fieldPath: ['plugins', i] },
        hint: 'Check the path (a built .js file) and that the module imports without errors',
        cause: error,
      });
    }
    const plugin = module.default ?? module.plugin;
    assertPlugin(plugin, file);
    out.push(plugin);
  }
  return out;
}
