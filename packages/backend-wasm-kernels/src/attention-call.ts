import type { KernelInstance } from './kernel-instance.js';

/**
 * Head 0 of batch row 0 of a row-major matrix on tfjs's heap: its byte offset, and its row and
 * batch strides in floats (head h is h·headSize floats to the right).
 */
export type HeapMatrix = { readonly offset: number; readonly rs: number; readonly bs: number };

/** One call of csrc's `attention_forward`, its scratch allocated here. */
export function attentionForward(
  instance: KernelInstance,
  call: {
    readonly batch: number;
    readonly heads: number;
    /** Query heads per key/value head (1: plain multi-head attention). */
    readonly group: number;
    readonly queryLength: number;
    readonly keyLength: number;
    readonly headSize: number;
    /** Positions before the first query (a key/value cache). */
    readonly past: number;
    readonly q: HeapMatrix;
    readonly k: HeapMatrix;
    readonly v: HeapMatrix;
    readonly o: HeapMatrix;
    /** Byte offset of one int32 key start per batch row, or 0. */
    readonly keyStart: number;
    /** Byte offset of the `[batch, heads, queryLength]` log-sum-exp, or 0 when not wanted. */
    readonly lse: number;
  },
): void {
  const { q, k, v, o } = call;
  const e = instance.exports;
  const scratch = instance.scratch(e.attention_forward_scratch_floats(call.queryLength, call.keyLength, call.headSize));
  e.attention_forward(
    call.batch,
    call.heads,
    call.group,
    call.queryLength,
    call.keyLength,
    call.headSize,
    call.past,
    q.offset,
    q.rs,
    q.bs,
    k.offset,
    k.rs,
    k.bs,
    v.offset,
    v.rs,
    v.bs,
    o.offset,
    o.rs,
    o.bs,
    call.keyStart,
    1 / Math.sqrt(call.headSize),
    call.lse,
    scratch,
  );
}

/**
 * One call of csrc's `attention_backward` (causal, no past): keys and values share their strides,
 * as do the output and its gradient, and the key and value gradients.
 */
export function attentionBackward(
  instance: KernelInstance,
  call: {
    readonly batch: number;
    readonly heads: number;
    readonly group: number;
    readonly length: number;
    readonly headSize: number;
    readonly q: HeapMatrix;
    /** Keys; the values are at `values` with the same strides. */
    readonly k: HeapMatrix;
    readonly values: number;
    /** The forward output; its gradient is at `dy` with the same strides. */
    readonly o: HeapMatrix;
    readonly dy: number;
    readonly lse: number;
    readonly dq: HeapMatrix;
    /** The keys' gradient; the values' is at `dv` with the same strides. */
    readonly dk: HeapMatrix;
    readonly dv: number;
  },
): void {
  const { q, k, o, dq, dk } = call;
  const e = instance.exports;
  const scratch = instance.scratch(e.attention_backward_scratch_floats(call.length, call.headSize));
  e.attention_backward(
    call.batch,
    call.heads,
    call.group,
    call.length,
    call.headSize,
    q.offset,
    q.rs,
    q.bs,
    k.offset,
    call.values,
    k.rs,
    k.bs,
    o.offset,
    call.dy,
    o.rs,
    o.bs,
    call.lse,
    1 / Math.sqrt(call.headSize),
    dq.offset,
    dq.rs,
    dq.bs,
    dk.offset,
    call.dv,
    dk.rs,
    dk.bs,
    scratch,
  );
}
