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

/**
 * The overrides of an object schema: every field optional, no defaults filled in, nested objects
 * overridable field by field, unknown keys still rejected at every depth. Values keep the field's
 * own checks, so a wrong type or range is caught where it is written.
 */
export function overridesOf(schema: z.ZodObject): z.ZodObject {
  const shape: Record<string, AnyZod> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, AnyZod>)) {
    const inner = unwrapped(field);
    shape[key] = (inner instanceof z.ZodObject ? overridesOf(inner) : inner).optional();
  }
  return z.strictObject(shape);
}
