import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { issuePath, PrefplayError } from '@prefplay/core';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

/**
 * Reads a JSON or YAML config file and validates it with a zod schema. Errors name the file,
 * the line of the offending field (when it can be found) and the field itself.
 */
export async function loadConfigFile<Schema extends z.ZodType>(
  path: string,
  schema: Schema,
  what: string,
): Promise<z.output<Schema>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `cannot read the ${what} file`,
      where: { file: path },
      hint: 'Check the path',
      cause: error,
    });
  }
  return parseConfigText(text, schema, { file: path, what, json: extname(path).toLowerCase() === '.json' });
}

/** Parses config text (YAML, of which JSON is a subset) and validates it; see `loadConfigFile`. */
export function parseConfigText<Schema extends z.ZodType>(
  text: string,
  schema: Schema,
  options: { readonly file: string; readonly what: string; readonly json?: boolean },
): z.output<Schema> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  const syntax = document.errors[0];
  if (syntax !== undefined) {
    const line = syntax.linePos?.[0]?.line;
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `the ${options.what} is not valid ${options.json ? 'JSON' : 'YAML'}: ${syntax.message.split('\n')[0]}`,
      where: { file: options.file, ...(line !== undefined ? { line } : {}) },
      hint: 'Fix the syntax at that line',
    });
  }
  const value: unknown = document.toJS();
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  // walk to the deepest node that exists on the issue's path, for its line
  let line: number | undefined;
  for (let depth = issue.path.length; depth >= 0 && line === undefined; depth--) {
    const node = document.getIn(issue.path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) line = lineCounter.linePos(node.range[0]).line;
    else if (depth === 0 && isNode(document.contents) && document.contents.range)
      line = lineCounter.linePos(document.contents.range[0]).line;
  }
  const field = issuePath(issue.path);
  const details = result.error.issues
    .map((i) => `${issuePath(i.path) ? `"${issuePath(i.path)}": ` : ''}${i.message}`)
    .join('; ');
  throw new PrefplayError({
    code: 'invalid-config',
    problem: `invalid ${options.what}: ${details}`,
    where: { file: options.file, ...(line !== undefined ? { line } : {}), ...(field ? { field } : {}) },
    hint: 'Fix the field named above; run with --help for the config format',
  });
}
