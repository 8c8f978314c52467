import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` and returns how many tensors it left allocated beyond what it returned (which the
 * caller owns and which is disposed here). Zero means no leak.
 */
export async function countLeakedTensors(fn: () => unknown): Promise<number> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const returned = collectTensors(result);
  const after = tf.memory().numTensors;
  for (const t of returned) t.dispose();
  return after - before - returned.length;
}

/** Throws when `fn` leaves tensors behind (tensors it returns are the caller's and not counted). */
export async function assertNoLeaks(fn: () => unknown, label = 'function'): Promise<void> {
  const leaked = await countLeakedTensors(fn);
  if (leaked !== 0) throw new Error(`${label} leaked ${leaked} tensor(s)`);
}

/** Every distinct tensor inside a value (nested arrays and plain objects). */
export function collectTensors(value: unknown, seen = new Set<tf.Tensor>()): tf.Tensor[] {
  if (value instanceof tf.Tensor) {
    if (!value.isDisposed) seen.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectTensors(item, seen);
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) collectTensors(item, seen);
  }
  return [...seen];
}
