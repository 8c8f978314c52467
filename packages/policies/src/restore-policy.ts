import type { PolicyStateV1 } from '@prefplay/core';
import { PrefplayError } from '@prefplay/core';
import { restoreTabularPolicy, type TabularPolicy } from './tabular-policy.js';
import { restoreTransformerPolicy, type TransformerPolicy } from './transformer-policy.js';

/** The policy kinds `restorePolicy` can rebuild. */
export const restorablePolicyKinds = ['transformer', 'tabular'] as const;

/**
 * Rebuilds a trainable policy from a saved `PolicyStateV1`, dispatching on `state.kind`:
 * `transformer` gives a `TransformerPolicy` (also a `DecoderV1`), `tabular` a `TabularPolicy`.
 */
export function restorePolicy(state: PolicyStateV1 & { readonly kind: 'transformer' }): TransformerPolicy;
export function restorePolicy(state: PolicyStateV1 & { readonly kind: 'tabular' }): TabularPolicy;
export function restorePolicy(state: PolicyStateV1): TransformerPolicy | TabularPolicy;
export function restorePolicy(state: PolicyStateV1): TransformerPolicy | TabularPolicy {
  if (state.kind === 'transformer') return restoreTransformerPolicy(state);
  if (state.kind === 'tabular') return restoreTabularPolicy(state);
  throw new PrefplayError({
    code: 'invalid-checkpoint',
    problem: `policy state kind "${String(state.kind)}" is unknown`,
    where: { field: 'kind' },
    hint: `restorePolicy rebuilds ${restorablePolicyKinds.join(' and ')} policies; restore other kinds with their own package`,
  });
}
