import * as tf from '@tensorflow/tfjs-core';

type EngineState = { activeTape: unknown; gradientDepth: number };

/**
 * Gradient checkpointing: `fn(inputs)` runs without recording its intermediates; only `inputs` are
 * kept for the backward pass, which runs `fn` again under its own gradient tape and returns the
 * gradients of `inputs` and of `variables` (the trainable weights `fn` reads, which must be given
 * here to receive gradients). Memory for a backward pass then holds one checkpointed block's
 * intermediates at a time instead of every block's, for one extra forward computation.
 *
 * `fn` must compute the same thing both times (derive any randomness from fixed seeds) and must not
 * read tensors that are disposed before the backward pass: build constants inside it.
 */
export function checkpoint(
  fn: (inputs: readonly tf.Tensor[]) => tf.Tensor,
  inputs: readonly tf.Tensor[],
  variables: readonly tf.Variable[],
): tf.Tensor {
  const count = inputs.length;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const tensors = args.slice(0, count + variables.length) as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save(tensors.slice(0, count));
    return {
      value: fn(tensors.slice(0, count)),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        // The nested gradient tape replaces the engine's active tape and clears it when it ends;
        // the outer backward pass still needs it (to free its saved tensors), so put it back.
        const state = (tf.engine() as unknown as { state: EngineState }).state;
        const outer = state.activeTape;
        try {
          return tf.grads((...xs: tf.Tensor[]) => fn(xs.slice(0, count)))([...saved, ...variables], dy as tf.Tensor);
        } finally {
          state.activeTape = outer;
        }
      },
    };
  });
  return op(...inputs, ...variables) as tf.Tensor;
}
