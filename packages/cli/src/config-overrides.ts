import { z } from 'zod';

type AnyZod = z.ZodType;

/** The schema inside any number of `.default()`, `.prefault()` and `.optional()` wrappers. */
function unwrapped(schema: AnyZod): AnyZod {
  let inner: AnyZod = schema;
  for (;;) {
    if (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional) {
      inner = inner.unwrap() as AnyZod;
    } else {
      return inner;
    }
  }
}

/** Every field optional, at every depth of plain objects. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;

/**
 * The overrides of an object schema: every field optional, no defaults filled in, nested objects
 * overridable field by field, unknown keys still rejected at every depth. Values keep the field's
 * own checks, so a wrong type or range is caught where it is written.
 */
export function overridesOf<Schema extends z.ZodObject>(
  schema: Schema,
): z.ZodType<DeepPartial<z.output<Schema>>, DeepPartial<z.input<Schema>>> {
  return build(schema) as unknown as z.ZodType<DeepPartial<z.output<Schema>>, DeepPartial<z.input<Schema>>>;
}

function build(schema: z.ZodObject): z.ZodObject {
  const shape: Record<string, AnyZod> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, AnyZod>)) {
    const inner = unwrapped(field);
    shape[key] = (inner instanceof z.ZodObject ? build(inner) : inner).optional();
  }
  return z.strictObject(shape);
}
