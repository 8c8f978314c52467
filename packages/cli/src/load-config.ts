import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { issuePath, locateIssues, PrefplayError } from '@prefplay/core';
import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

/** A parsed config file that can say on which line any field of it was written. */
export type ConfigDocument = {
  readonly file: string;
  readonly format: 'JSON' | 'YAML';
  /** The plain value (JSON is read as the YAML subset it is). */
  readonly value: unknown;
  /** Line of the deepest node on `path` that the file has (1-based), or undefined. */
  lineOf(path: readonly (string | number)[]): number | undefined;
};

/** Reads and parses a JSON or YAML config file; a syntax error names the file and line. */
export async function readConfigDocument(path: string, what: string): Promise<ConfigDocument> {
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
  return parseConfigDocument(text, { file: path, what, json: extname(path).toLowerCase() === '.json' });
}

/** Parses config text (YAML, of which JSON is a subset); a leading byte-order mark is ignored. */
export function parseConfigDocument(
  text: string,
  options: { readonly file: string; readonly what: string; readonly json?: boolean },
): ConfigDocument {
  const lineCounter = new LineCounter();
  const document: Document = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter, prettyErrors: true });
  const format = options.json ? 'JSON' : 'YAML';
  const syntax = document.errors[0];
  if (syntax !== undefined) {
    const line = syntax.linePos?.[0]?.line;
    throw new PrefplayError({
      code: 'invalid-config',
      problem: `the ${options.what} is not valid ${format}: ${syntax.message.split('\n')[0]}`,
      where: { file: options.file, ...(line !== undefined ? { line } : {}) },
      hint: 'Fix the syntax at that line',
    });
  }
  return {
    file: options.file,
    format,
    value: document.toJS() as unknown,
    lineOf(path) {
      // the line of the key that holds the deepest field of `path` present in the file
      for (let depth = path.length; depth > 0; depth--) {
        const parent = depth === 1 ? document.contents : document.getIn(path.slice(0, depth - 1) as unknown[], true);
        const key = path[depth - 1];
        if (isMap(parent)) {
          const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
          const at = isNode(pair?.key) ? pair.key.range : undefined;
          if (at) return lineCounter.linePos(at[0]).line;
        } else if (isSeq(parent) && typeof key === 'number') {
          const item = parent.items[key];
          if (isNode(item) && item.range) return lineCounter.linePos(item.range[0]).line;
        }
      }
      const root = document.contents;
      return isNode(root) && root.range ? lineCounter.linePos(root.range[0]).line : undefined;
    },
  };
}

/**
 * Validates a config document with a zod schema. Every issue is named by its full path; unknown
 * keys are named one by one. The error points at the line of the first one.
 */
export function validateConfigDocument<Schema extends z.ZodType>(
  document: ConfigDocument,
  schema: Schema,
  what: string,
): z.output<Schema> {
  const result = schema.safeParse(document.value);
  if (result.success) return result.data;
  const issues = locateIssues(result.error.issues, document.value);
  const first = issues[0];
  const details = issues.map((i) => `${i.path.length > 0 ? `"${issuePath(i.path)}": ` : ''}${i.message}`).join('; ');
  const line = first ? document.lineOf(first.path) : undefined;
  throw new PrefplayError({
    code: 'invalid-config',
    problem: `invalid ${what}: ${details}`,
    where: {
      file: document.file,
      ...(line !== undefined ? { line } : {}),
      ...(first && first.path.length > 0 ? { field: issuePath(first.path), fieldPath: first.path } : {}),
    },
    hint: 'Fix the field named above; run with --help for the config format',
  });
}

/** A `PrefplayError` about a field of the document, given the file and the field's line. */
export function locateInDocument(document: ConfigDocument, error: unknown): unknown {
  if (!PrefplayError.isInstance(error) || error.where.file !== undefined) return error;
  const path = error.where.fieldPath;
  const line = path !== undefined ? document.lineOf(path) : undefined;
  return new PrefplayError({
    code: error.code === 'invalid-options' ? 'invalid-config' : error.code,
    problem: error.problem,
    where: { ...error.where, file: document.file, ...(line !== undefined ? { line } : {}) },
    ...(error.hint !== undefined ? { hint: error.hint } : {}),
    cause: error,
  });
}

/** Reads and validates a JSON or YAML config file in one go. */
export async function loadConfigFile<Schema extends z.ZodType>(
  path: string,
  schema: Schema,
  what: string,
): Promise<z.output<Schema>> {
  return validateConfigDocument(await readConfigDocument(path, what), schema, what);
}
