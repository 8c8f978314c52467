import { z } from 'zod';

/** A finite number `> 0`, with the allowed range in the message. */
export const positiveNumber = () => z.number().gt(0, { error: 'must be a finite number > 0' });

/** A finite number `≥ 0`. */
export const nonNegativeNumber = () => z.number().gte(0, { error: 'must be a finite number ≥ 0' });

/** ε of the label-noise losses: `[0, 0.5)`. */
export const noiseEpsilon = () =>
  z.number().gte(0, { error: 'must be in [0, 0.5)' }).lt(0.5, { error: 'must be in [0, 0.5)' });
