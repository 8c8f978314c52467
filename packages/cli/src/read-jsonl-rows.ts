import { resolve } from 'node:path';
import { issuePath, PrefplayError } from '@prefplay/core';
import type { z } from 'zod';
import { readInputFile } from './read-input-file.js';

/** One parsed JSONL row with the line it came from. */
export type JsonlRow<T> = { readonly line: number; readonly value: T; readonly raw: Record<string, unknown> };

/** Where a JSONL line is, and what it should be (`shape`, for the hints). */
export type JsonlLocation = { readonly file: string; readonly line: number; readonly shape: string };

/**
 * One line of a JSONL file parsed with `schema`, and the JSON object as written; a line that is not
 * JSON or does not fit is a `PrefplayError` naming the file, line and field.
 */
export function parseJsonlRow<Schema extends z.ZodType>(
  content: string,
  schema: Schema,
  { file, line, shape }: JsonlLocation,
): { value: z.output<Schema>; raw: Record<string, unknown> } {
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch (error) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `the row is not valid JSON (${(error as Error).message})`,
      where: { file, line },
      hint: `Each line must be one JSON object ${shape}`,
    });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    throw new PrefplayError({
      code: 'invalid-input',
      problem: `invalid row: ${parsed.error.issues.map((i) => `"${issuePath(i.path)}": ${i.message}`).join('; ')}`,
      where: { file, line, field: issuePath(issue.path) },
      hint: `Each line must be one JSON object ${shape}`,
    });
  }
  return { value: parsed.data, raw: raw as Record<string, unknown> };
}

/**
 * Reads a JSONL file named on the command line and parses every non-empty line with `schema`. A
 * line that is not JSON or does not fit is reported with the file, line and field; `shape` says
 * what a line should be.
 */
export async function readJsonlRows<Schema extends z.ZodType>(
  path: string,
  cwd: string,
  flag: string,
  schema: Schema,
  shape: string,
): Promise<JsonlRow<z.output<Schema>>[]> {
  const file = resolve(cwd, path);
  const text = await readInputFile(path, cwd, flag);
  const rows: JsonlRow<z.output<Schema>>[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const content = lines[index] as string;
    if (content.trim() === '') continue;
    const line = index + 1;
    const { value, raw } = parseJsonlRow(content, schema, { file, line, shape });
    rows.push({ line, value, raw });
  }
  if (rows.length === 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'the file has no rows',
      where: { file },
      hint: `Write one JSON object ${shape} per line`,
    });
  }
  return rows;
}
