import * as tf from '@tensorflow/tfjs-core';

/**
 * Columns `table[:, ids[i]]` of a `[width, rows]` table as `[ids.length, width]`: the lookup of a
 * token embedding stored transposed, as the output head of a model with tied embeddings needs it
 * (`hidden @ table` gives logits with no transpose of the vocabulary-sized matrix). Differentiable
 * with respect to `table`; the backward pass is one scatter-add (`scatterND`) in the backend.
 */
export function embeddingColumns(table: tf.Tensor2D, ids: ArrayLike<number>): tf.Tensor2D {
  const [width, rows] = table.shape;
  const count = ids.length;
  const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const source = args[0] as tf.Tensor2D;
    const value = tf.tidy(() => tf.transpose(tf.gather(source, tf.tensor1d(Int32Array.from(ids), 'int32'), 1)));
    return {
      value: value as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        // Scatter-add dy[i, j] into table[j, ids[i]] inside the backend (no table-sized JS array).
        const indices = new Int32Array(2 * count * width);
        for (let i = 0; i < count; i++) {
          const column = ids[i] as number;
          for (let j = 0; j < width; j++) {
            indices[2 * (i * width + j)] = j;
            indices[2 * (i * width + j) + 1] = column;
          }
        }
        return [
          tf.tidy(() =>
            tf.scatterND(
              tf.tensor2d(indices, [count * width, 2], 'int32'),
              tf.reshape(dy as tf.Tensor, [count * width]),
              [width, rows],
            ),
          ),
        ];
      },
    };
  });
  return lookup(table) as tf.Tensor2D;
}
