import { createAdamOptimizer } from '@prefplay/backend-wasm-kernels';
import { createTransformerPolicy } from '@prefplay/policies';
import * as tf from '@tensorflow/tfjs-core';

/** How the kernels of one train step group in the profile. */
const groups: readonly [string, RegExp][] = [
  ['matrix products (dense forward, backward, head)', /^Prefplay(Dense|DenseBackward|MatMul)$/],
  ['attention (forward, backward)', /^PrefplayCausalAttention/],
  ['LayerNorm, GELU, token log-probs, embeddings', /^Prefplay(LayerNorm|Gelu|TokenLogProbs|Embedding|ScatterAdd)/],
  ['saved tensors (Identity: a shared reference, no copy)', /^Identity$/],
];

/**
 * Profiles one Adam step of the reference model (batch 16) with tf.profile: kernel time by group
 * and the time outside kernels (tfjs bookkeeping, tape, JavaScript), as shares of the step.
 */
export async function profileTrainStep(length: number, log: (line: string) => void): Promise<void> {
  const policy = createTransformerPolicy({
    vocabSize: 256,
    dModel: 128,
    numLayers: 2,
    numHeads: 4,
    maxSequenceLength: length,
    seed: 0,
  });
  let seed = 7;
  const token = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % 256;
  };
  const prompts = Array.from({ length: 16 }, () => [1, ...Array.from({ length: 7 }, token)]);
  const responses = Array.from({ length: 16 }, () => Array.from({ length: length - 8 }, token));
  const optimizer = createAdamOptimizer(1e-3);
  const step = () => {
    const cost = optimizer.minimize(
      () => tf.neg(tf.mean(policy.doForward({ prompts, responses }).logps)) as tf.Scalar,
      true,
      policy.trainableVariables() as tf.Variable[],
    );
    cost?.dataSync();
    cost?.dispose();
  };
  for (let i = 0; i < 3; i++) step();
  const start = performance.now();
  const profile = await tf.profile(step);
  const wall = performance.now() - start;
  // Scopes of tf.customGrad contain the kernels they run: count kernels only.
  const kernels = profile.kernels.filter((k) => k.name !== 'unnamed scope');
  const total = kernels.reduce((sum, k) => sum + (k.kernelTimeMs as number), 0);
  log(`T ${length}: ${kernels.length} kernel calls, ${wall.toFixed(0)} ms under the profiler`);
  let grouped = 0;
  for (const [name, pattern] of groups) {
    const inGroup = kernels.filter((k) => pattern.test(k.name));
    const ms = inGroup.reduce((sum, k) => sum + (k.kernelTimeMs as number), 0);
    grouped += ms;
    log(`  ${name.padEnd(52)} ${((100 * ms) / wall).toFixed(0).padStart(3)}%  (${inGroup.length} calls)`);
  }
  log(`  ${'other tfjs kernels'.padEnd(52)} ${((100 * (total - grouped)) / wall).toFixed(0).padStart(3)}%`);
  log(
    `  ${'outside kernels (tape, bookkeeping, JavaScript)'.padEnd(52)} ${((100 * (wall - total)) / wall).toFixed(0).padStart(3)}%`,
  );
  optimizer.dispose();
  policy.dispose();
}
