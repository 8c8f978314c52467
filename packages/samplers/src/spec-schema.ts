import { z } from 'zod';

/**
 * A zod schema accepting a `V1` spec implementation: an object with `specificationVersion: 'v1'`
 * and the named method.
 */
export function specSchema<Spec>(specName: string, method: string) {
  return z.custom<Spec>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      (value as { specificationVersion?: unknown }).specificationVersion === 'v1' &&
      typeof (value as Record<string, unknown>)[method] === 'function',
    { message: `expected a ${specName} (an object with specificationVersion "v1" and ${method})` },
  );
}
