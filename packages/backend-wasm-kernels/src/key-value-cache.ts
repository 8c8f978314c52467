import { PrefplayError } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { attentionForward, type HeapMatrix } from './attention-call.js';
import { checkAttentionShape, fusedColumns } from './causal-attention-kernel.js';
import type { KernelInstance } from './kernel-instance.js';
import { defineKernel, numberAttr, runKernel } from './kernel-registry.js';

const file = 'packages/backend-wasm-kernels/src/key-value-cache.ts';

/**
 * Writes the new rows' keys and values from `qkv` into the preallocated cache at positions
 * `past…past + queryLength − 1` (in place), then attends each new query to the cached keys
 * `keyStart[b] ≤ j ≤ past + i`. Returns `[batch·queryLength, d]`.
 */
export const cachedAttentionKernel = defineKernel('PrefplayCachedAttention', (instance, inputs, attrs) => {
  const qkv = inputs.qkv as tf.TensorInfo;
  const keys = inputs.keys as tf.TensorInfo;
  const values = inputs.values as tf.TensorInfo;
  const keyStart = inputs.keyStart as tf.TensorInfo | undefined;
  const batch = numberAttr(attrs, 'batch');
  const queryLength = numberAttr(attrs, 'queryLength');
  const heads = numberAttr(attrs, 'heads');
  const past = numberAttr(attrs, 'past');
  const capacity = keys.shape[1] as number;
  const width = (qkv.shape[1] as number) / 3;
  const headSize = width / heads;
  const e = instance.exports;
  const column = fusedColumns(instance.offset(qkv), width, queryLength);
  const k = instance.offset(keys);
  const v = instance.offset(values);
  // the new rows' keys and values, at positions past… of each batch row's cache
  for (const [block, cache] of [
    [1, k],
    [2, v],
  ] as const) {
    const from = column(block);
    e.copy_rows(
      batch,
      queryLength,
      width,
      from.offset,
      from.rs,
      from.bs,
      cache + 4 * past * width,
      width,
      capacity * width,
    );
  }
  // written in place: tfjs-wasm must drop anything it cached for the two buffers
  instance.wrote(keys);
  instance.wrote(values);
  const total = past + queryLength;
  const out = instance.output([batch * queryLength, width]);
  const cached = (offset: number): HeapMatrix => ({ offset, rs: width, bs: capacity * width });
  attentionForward(instance, {
    batch,
    heads,
    group: 1,
    queryLength,
    keyLength: total,
    headSize,
    past,
    q: column(0),
    k: cached(k),
    v: cached(v),
    o: { offset: out.offset, rs: width, bs: queryLength * width },
    keyStart: keyStart ? instance.offset(keyStart) : 0,
    lse: 0,
  });
  return out.info;
});

/** Preallocated keys and values of one attention layer, `[batch, capacity, d]` each, filled in place. */
export type LayerKeyValueCache = { readonly keys: tf.Tensor3D; readonly values: tf.Tensor3D };

/**
 * Key/value caches of every layer of a decoder for one decoding session: allocated once at full
 * capacity, written in place as tokens arrive (never concatenated), read by `attend`.
 */
export type KeyValueCache = {
  readonly batch: number;
  /** Positions allocated now (grows by doubling up to `maxCapacity`). */
  readonly capacity: number;
  readonly maxCapacity: number;
  readonly width: number;
  readonly layers: readonly LayerKeyValueCache[];
  /** Positions already written (the same for every layer once a step is done). */
  readonly length: number;
  /**
   * Attention of the new queries in `qkv` (`[batch·queryLength, 3·d]`) over the cache of `layer`
   * after writing their keys and values at `length…`. Not differentiable (decoding only).
   */
  attend(
    layer: number,
    qkv: tf.Tensor2D,
    options: { readonly queryLength: number; readonly numHeads: number },
  ): tf.Tensor2D;
  /** Marks `queryLength` more positions as written (call once per step, after the last layer). */
  advance(queryLength: number): void;
  dispose(): void;
};

export type KeyValueCacheOptions = {
  readonly batch: number;
  /** Positions to allocate at first. */
  readonly capacity: number;
  /**
   * Positions the cache may grow to (default `capacity`): when a step would overflow, every layer's
   * cache is reallocated at twice the size (at most this) and its rows copied once.
   */
  readonly maxCapacity?: number;
  readonly width: number;
  readonly numLayers: number;
  /** Per batch row, the first position a query may attend to (left padding); default 0. */
  readonly keyStart?: readonly number[];
};

export function createKeyValueCacheFactory(instance: KernelInstance) {
  return (options: KeyValueCacheOptions): KeyValueCache => {
    const { batch, width, numLayers } = options;
    const maxCapacity = Math.max(options.capacity, options.maxCapacity ?? options.capacity);
    let capacity = options.capacity;
    const allocate = (positions: number) =>
      Array.from({ length: numLayers }, () => ({
        keys: tf.zeros([batch, positions, width]) as tf.Tensor3D,
        values: tf.zeros([batch, positions, width]) as tf.Tensor3D,
      }));
    let layers: LayerKeyValueCache[] = allocate(capacity);
    /** Reallocates every layer at `positions` (≥ length) and copies the written rows. */
    const grow = (positions: number) => {
      const next = allocate(positions);
      const e = instance.exports;
      layers.forEach((old, i) => {
        const fresh = next[i] as LayerKeyValueCache;
        for (const [from, to] of [
          [old.keys, fresh.keys],
          [old.values, fresh.values],
        ] as const) {
          e.copy_rows(
            batch,
            length,
            width,
            instance.offset(from),
            width,
            capacity * width,
            instance.offset(to),
            width,
            positions * width,
          );
        }
        tf.dispose([old.keys, old.values]);
      });
      layers = next;
      capacity = positions;
    };
    const start = options.keyStart;
    const keyStart = start?.some((s) => s > 0) ? tf.tensor1d(Int32Array.from(start), 'int32') : undefined;
    let length = 0;
    let disposed = false;
    const ensureOpen = () => {
      if (disposed) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: 'this key/value cache was disposed',
          where: { file },
          hint: 'Create a new cache for a new decoding session',
        });
      }
    };
    return {
      batch,
      get capacity() {
        return capacity;
      },
      maxCapacity,
      width,
      get layers() {
        return layers;
      },
      get length() {
        return length;
      },
      attend(layer, qkv, { queryLength, numHeads }) {
        ensureOpen();
        checkAttentionShape(qkv, batch, queryLength, numHeads);
        if (length + queryLength > capacity && length + queryLength <= maxCapacity) {
          grow(Math.min(maxCapacity, Math.max(2 * capacity, length + queryLength)));
        }
        let cache = layers[layer];
        if (cache && (instance.shared(cache.keys) || instance.shared(cache.values))) {
          // a clone of the cache shares its buffers (tf.clone does not copy on wasm): the writes below
          // must not show through it, so this layer gets buffers of its own first
          const own = { keys: tf.add(cache.keys, 0) as tf.Tensor3D, values: tf.add(cache.values, 0) as tf.Tensor3D };
          tf.dispose([cache.keys, cache.values]);
          layers = layers.map((entry, i) => (i === layer ? own : entry));
          cache = own;
        }
        if (!cache || (qkv.shape[1] as number) !== 3 * width || length + queryLength > capacity) {
          throw new PrefplayError({
            code: 'invalid-input',
            problem: cache
              ? `key/value cache: ${length} + ${queryLength} positions exceed the capacity ${maxCapacity}, or qkv is not [rows, ${3 * width}]`
              : `key/value cache has no layer ${layer} (it has ${numLayers})`,
            where: { file },
            hint: 'Create the cache with the decoder width, its layer count and a maxCapacity for the longest row',
          });
        }
        const inputs: tf.NamedTensorMap = { qkv, keys: cache.keys, values: cache.values };
        if (keyStart) inputs.keyStart = keyStart;
        return runKernel(cachedAttentionKernel, inputs, {
          batch,
          queryLength,
          heads: numHeads,
          past: length,
        })[0] as tf.Tensor2D;
      },
      advance(queryLength) {
        ensureOpen();
        length += queryLength;
      },
      dispose() {
        if (disposed) return;
        disposed = true;
        for (const layer of layers) tf.dispose([layer.keys, layer.values]);
        keyStart?.dispose();
      },
    };
  };
}
