import { getWasmKernels } from '@prefplay/backend-wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';

/** Above this many one-hot entries (ids × rows) the forward pass uses `tf.gather` instead. */
const oneHotLimit = 1 << 22;

/**
 * Rows `table[ids[i]]` as `[ids.length, width]`, differentiable with respect to `table`.
 *
 * Forward: for small tables a 2-D product `oneHot(ids) @ table` with the one-hot matrix built in
 * JavaScript (the wasm backend runs 2-D products on its fast kernel, while its `GatherV2` is slow);
 * for large ones `tf.gather`. Backward: a scatter-add of the incoming rows in JavaScript,
 * `O(ids · width)`, so no `UnsortedSegmentSum` kernel is needed (the wasm backend lacks it and
 * tfjs's gather gradient fails there). `ids` are plain integers in `[0, rows)`. On the wasm backend
 * both directions are kernels (a row gather and a scatter-add).
 */
export function embeddingLookup(table: tf.Tensor2D, ids: ArrayLike<number>): tf.Tensor2D {
  const kernels = getWasmKernels();
  if (kernels) return kernels.embedding(table, ids instanceof Int32Array ? ids : Int32Array.from(ids));
  const [rows, width] = table.shape;
  const count = ids.length;
  const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const source = args[0] as tf.Tensor2D;
    let value: tf.Tensor2D;
    if (count * rows <= oneHotLimit) {
      const oneHot = new Float32Array(count * rows);
      for (let i = 0; i < count; i++) oneHot[i * rows + (ids[i] as number)] = 1;
      value = tf.matMul(tf.tensor2d(oneHot, [count, rows]), source);
    } else {
      value = tf.gather(source, tf.tensor1d(Int32Array.from(ids), 'int32'));
    }
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const upstream = (dy as tf.Tensor).dataSync();
        const grad = new Float32Array(rows * width);
        for (let i = 0; i < count; i++) {
          const target = (ids[i] as number) * width;
          const from = i * width;
          for (let j = 0; j < width; j++)
            grad[target + j] = (grad[target + j] as number) + (upstream[from + j] as number);
        }
        return [tf.tensor2d(grad, [rows, width])];
      },
    };
  });
  return lookup(table) as tf.Tensor2D;
}
