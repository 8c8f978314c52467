import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Every module specifier reachable from `entry` through relative imports, with the file that names it. */
function importsOf(entry: string): { file: string; specifier: string }[] {
  const seen = new Set<string>();
  const found: { file: string; specifier: string }[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(join(here, file), 'utf8');
    for (const match of source.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'\s*\)|^import\s+'([^']+)'/gm)) {
      const specifier = (match[1] ?? match[2] ?? match[3]) as string;
      if (specifier.startsWith('./')) visit(specifier.slice(2).replace(/\.js$/, '.ts'));
      else found.push({ file, specifier });
    }
  };
  visit(entry);
  return found;
}

describe('package entries', () => {
  it('keeps the main entry free of Node built-ins', () => {
    const imports = importsOf('index.ts');
    expect(imports.map((i) => i.specifier)).toContain('@prefplay/core');
    expect(imports.filter((i) => builtins.has(i.specifier))).toEqual([]);
  });

  it('puts the node:http test server behind ./testing', () => {
    expect(importsOf('testing.ts').map((i) => i.specifier)).toContain('node:http');
  });
});
