import { assertClose, assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomTensor } from './__fixtures__/random-tensor.js';
import { getWasmKernels, type WasmKernels } from './wasm-kernels.js';

let kernels: WasmKernels;
beforeAll(async () => {
  await useTestBackend();
  const loaded = getWasmKernels();
  if (!loaded) throw new Error('these tests need the wasm backend');
  kernels = loaded;
});

describe('embedding kernel', () => {
  it('gathers token rows plus position rows, with scatter-add gradients', () => {
    const tokens = randomTensor([11, 6], 1) as tf.Tensor2D;
    const positions = randomTensor([5, 6], 2) as tf.Tensor2D;
    const ids = Int32Array.from([3, 0, 3, 10, 7, 3]);
    const positionIds = Int32Array.from([0, 1, 2, 0, 1, 4]);
    const out = kernels.embedding(tokens, ids, { table: positions, ids: positionIds });
    const expected = tf.add(
      tf.gather(tokens, tf.tensor1d(ids, 'int32')),
      tf.gather(positions, tf.tensor1d(positionIds, 'int32')),
    );
    assertClose(out, expected);
    const weights = randomTensor([6, 6], 3);
    const [gTokens, gPositions] = tf.grads((t, p) =>
      tf.sum(tf.mul(kernels.embedding(t as tf.Tensor2D, ids, { table: p as tf.Tensor2D, ids: positionIds }), weights)),
    )([tokens, positions]);
    // Closed form: row id of the gradient is the sum of the weight rows that looked it up.
    const w = weights.arraySync() as number[][];
    const expectTokens = Array.from({ length: 11 }, () => new Array<number>(6).fill(0));
    const expectPositions = Array.from({ length: 5 }, () => new Array<number>(6).fill(0));
    ids.forEach((id, r) => {
      for (let c = 0; c < 6; c++) (expectTokens[id] as number[])[c]! += (w[r] as number[])[c] as number;
    });
    positionIds.forEach((id, r) => {
      for (let c = 0; c < 6; c++) (expectPositions[id] as number[])[c]! += (w[r] as number[])[c] as number;
    });
    assertClose(gTokens as tf.Tensor, expectTokens, { atol: 1e-5 });
    assertClose(gPositions as tf.Tensor, expectPositions, { atol: 1e-5 });
    tf.dispose([tokens, positions, out, expected, weights, gTokens as tf.Tensor, gPositions as tf.Tensor]);
  });

  it('gathers without positions', () => {
    const tokens = randomTensor([4, 3], 4) as tf.Tensor2D;
    assertClose(kernels.embedding(tokens, Int32Array.from([2, 2, 0])), tf.gather(tokens, [2, 2, 0]));
    tokens.dispose();
  });

  it('rejects an id outside the table, naming it', () => {
    const tokens = tf.zeros([4, 3]) as tf.Tensor2D;
    expect(() => kernels.embedding(tokens, Int32Array.from([1, 4]))).toThrow(
      /ids\[1\] = 4 is not a row index in \[0, 3\]/,
    );
    tokens.dispose();
  });

  it('does not leak tensors forward or backward', async () => {
    const tokens = randomTensor([4, 3], 5) as tf.Tensor2D;
    const positions = randomTensor([2, 3], 6) as tf.Tensor2D;
    const ids = Int32Array.from([1, 3]);
    const place = { table: positions, ids: Int32Array.from([0, 1]) };
    await assertNoLeaks(() => kernels.embedding(tokens, ids, place), 'embedding');
    await assertNoLeaks(
      () =>
        tf.grads((t, p) =>
          tf.sum(kernels.embedding(t as tf.Tensor2D, ids, { table: p as tf.Tensor2D, ids: place.ids })),
        )([tokens, positions]),
      'embedding gradient',
    );
    tf.dispose([tokens, positions]);
  });
});
