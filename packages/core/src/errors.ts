const marker = Symbol.for('prefplay.error');

/** Stable categories of prefplay errors; `code` never changes meaning between versions. */
export type PrefplayErrorCode =
  | 'invalid-options'
  | 'invalid-input'
  | 'invalid-config'
  | 'invalid-checkpoint'
  | 'backend-unavailable'
  | 'numerical'
  | 'http'
  | 'unsupported';

/** Where a problem was found: any subset of file, line and field. */
export type ErrorLocation = {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  /** The field as path segments (for callers that re-locate the error in a larger document). */
  readonly fieldPath?: readonly (string | number)[];
};

export type PrefplayErrorOptions = {
  readonly code: PrefplayErrorCode;
  /** What was wrong, as one sentence without a trailing period. */
  readonly problem: string;
  readonly where?: ErrorLocation;
  /** What the user should do about it. */
  readonly hint?: string;
  readonly cause?: unknown;
};

export function formatLocation(where: ErrorLocation): string {
  const parts: string[] = [];
  if (where.file !== undefined) {
    parts.push(where.line !== undefined ? `${where.file}:${where.line}` : where.file);
  } else if (where.line !== undefined) {
    parts.push(`line ${where.line}`);
  }
  if (where.field !== undefined) parts.push(`field "${where.field}"`);
  return parts.join(', ');
}

/**
 * The one error type of prefplay. Recognise it across package copies with
 * `PrefplayError.isInstance(error)`, not `instanceof`.
 */
export class PrefplayError extends Error {
  readonly [marker] = true;
  readonly code: PrefplayErrorCode;
  readonly problem: string;
  readonly where: ErrorLocation;
  readonly hint: string | undefined;

  constructor(options: PrefplayErrorOptions) {
    const where = options.where ?? {};
    const location = formatLocation(where);
    const message = (location ? `${location}: ` : '') + options.problem + (options.hint ? `. ${options.hint}` : '');
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'PrefplayError';
    this.code = options.code;
    this.problem = options.problem;
    this.where = where;
    this.hint = options.hint;
  }

  static isInstance(error: unknown): error is PrefplayError {
    return typeof error === 'object' && error !== null && marker in error;
  }

  static hasCode(error: unknown, code: PrefplayErrorCode): error is PrefplayError {
    return PrefplayError.isInstance(error) && error.code === code;
  }
}

/**
 * The same error located inside a larger document: its field path gets `prefix` in front (e.g.
 * a loss factory's `eta` becomes `methods[0].loss.options.eta`). Other errors pass unchanged.
 */
export function prefixErrorField(error: unknown, prefix: readonly (string | number)[]): unknown {
  if (!PrefplayError.isInstance(error)) return error;
  const inner = error.where.fieldPath ?? [];
  const fieldPath = [...prefix, ...inner];
  let field = '';
  for (const key of fieldPath) field += typeof key === 'number' ? `[${key}]` : field ? `.${key}` : key;
  return new PrefplayError({
    code: error.code,
    problem: error.problem,
    where: { ...error.where, field, fieldPath },
    ...(error.hint !== undefined ? { hint: error.hint } : {}),
    cause: error,
  });
}
