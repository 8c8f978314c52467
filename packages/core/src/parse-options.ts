import type { z } from 'zod';
import { type ErrorLocation, PrefplayError, type PrefplayErrorCode } from './errors.js';

export type ParseContext = {
  /** What is being parsed, e.g. `sppo loss options` or `dataset row`. */
  readonly what: string;
  readonly file?: string;
  readonly line?: number;
  /** Prefix for field paths, e.g. `trainer.loss`. */
  readonly fieldPrefix?: string;
  readonly code?: PrefplayErrorCode;
  readonly hint?: string;
};

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  let value: unknown = input;
  for (const key of issue.path) {
    if (value === null || typeof value !== 'object') {
      value = undefined;
      break;
    }
    value = (value as Record<PropertyKey, unknown>)[key as PropertyKey];
  }
  const got = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 80)})`;
  return `${issue.message}${got}`;
}

/** Field path of a zod issue as a dotted string (`a.b[2].c`). */
export function issuePath(path: readonly PropertyKey[], prefix?: string): string {
  let out = prefix ?? '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** A zod issue reduced to a path and a message; unknown keys become one issue per key. */
export type LocatedIssue = { readonly path: readonly (string | number)[]; readonly message: string };

/**
 * Flattens zod issues: an `unrecognized_keys` issue becomes one issue per key, at the key's own
 * path, saying which keys are allowed when the schema is known.
 */
export function locateIssues(issues: readonly z.core.$ZodIssue[], input?: unknown): LocatedIssue[] {
  const out: LocatedIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...path, key], message: `unknown key "${key}"` });
    } else {
      out.push({ path, message: input === undefined ? issue.message : describeIssue(issue, input) });
    }
  }
  return out;
}

/**
 * Parses `input` with a zod schema and turns any issue into a located `PrefplayError`
 * naming the field, what was wrong and the value received. Use at the edges only.
 */
export function parseOptions<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  context: ParseContext,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = locateIssues(result.error.issues, input);
  const first = issues[0];
  const field = first ? issuePath(first.path, context.fieldPrefix) : undefined;
  const details = issues
    .map((issue) => {
      const path = issuePath(issue.path, context.fieldPrefix);
      return `${path ? `"${path}": ` : ''}${issue.message}`;
    })
    .join('; ');
  const where: ErrorLocation = {
    ...(context.file !== undefined ? { file: context.file } : {}),
    ...(context.line !== undefined ? { line: context.line } : {}),
    ...(field ? { field } : {}),
    ...(first ? { fieldPath: first.path } : {}),
  };
  throw new PrefplayError({
    code: context.code ?? 'invalid-options',
    problem: `invalid ${context.what}: ${details}`,
    where,
    hint: context.hint ?? `Fix the ${issues.length > 1 ? 'fields' : 'field'} named above and try again`,
  });
}
