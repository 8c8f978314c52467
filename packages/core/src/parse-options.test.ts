import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PrefplayError } from './errors.js';
import { parseOptions } from './parse-options.js';

const schema = z.object({
  eta: z.number().positive().default(1),
  nested: z.object({ k: z.number().int().min(2) }).optional(),
});

describe('parseOptions', () => {
  it('returns parsed values with defaults', () => {
    expect(parseOptions(schema, {}, { what: 'sppo loss options' })).toEqual({ eta: 1 });
  });

  it('names the thing, the field, the value and the location', () => {
    try {
      parseOptions(
        schema,
        { eta: -2, nested: { k: 1 } },
        { what: 'sppo loss options', file: 'config.yaml', fieldPrefix: 'loss' },
      );
      expect.unreachable();
    } catch (error) {
      expect(PrefplayError.isInstance(error)).toBe(true);
      const e = error as PrefplayError;
      expect(e.code).toBe('invalid-options');
      expect(e.where).toEqual({ file: 'config.yaml', fieldPath: ['eta'], field: 'loss.eta' });
      expect(e.message).toContain('invalid sppo loss options');
      expect(e.message).toContain('"loss.eta"');
      expect(e.message).toContain('(got -2)');
      expect(e.message).toContain('"loss.nested.k"');
    }
  });
});
