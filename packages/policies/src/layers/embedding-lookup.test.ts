import { configureWasmKernels } from '@prefplay/backend-wasm-kernels';
import { assertClose, assertNoLeaks, checkGradient, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingLookup } from './embedding-lookup.js';

beforeAll(async () => {
  await useTestBackend();
});

// Each case runs on the wasm kernels (when the backend is wasm) and on plain tfjs ops.
describe.each([true, false])('with the wasm kernels enabled: %s', (enabled) => {
  beforeAll(() => {
    configureWasmKernels({ enabled });
  });
  afterAll(() => {
    configureWasmKernels({});
  });

  describe('embeddingLookup', () => {
    it('gathers rows and has the scatter-add gradient', () => {
      const table = tf.tensor2d([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [4, 2]);
      const ids = [2, 0, 2];
      assertClose(embeddingLookup(table, ids), [
        [0.5, 0.6],
        [0.1, 0.2],
        [0.5, 0.6],
      ]);
      const weights = tf.tensor2d([1, -2, 3, 0.5, -1, 4], [3, 2]);
      const result = checkGradient(
        (x) => tf.sum(tf.mul(embeddingLookup(x as tf.Tensor2D, ids), weights)) as tf.Scalar,
        table,
      );
      // Closed form: row 2 collects rows 0 and 2 of `weights`, row 0 gets row 1, rows 1 and 3 nothing.
      expect(result.analytic.map((v) => Math.round(v * 1000) / 1000)).toEqual([3, 0.5, 0, 0, 0, 2, 0, 0]);
      tf.dispose([table, weights]);
    });

    it('takes the gather path for large tables with the same results', () => {
      const rows = 5000;
      const table = tf.tensor2d(
        Float32Array.from({ length: rows * 2 }, (_, i) => i / 7),
        [rows, 2],
      );
      const ids = Array.from({ length: 1000 }, (_, i) => (i * 37) % rows);
      const expected = ids.map((id) => [(2 * id) / 7, (2 * id + 1) / 7]);
      assertClose(embeddingLookup(table, ids), expected, { atol: 1e-4 });
      const grad = tf
        .grad((x) => tf.sum(embeddingLookup(x as tf.Tensor2D, ids)))(table)
        .dataSync();
      const counts = new Float32Array(rows * 2);
      for (const id of ids) {
        counts[2 * id] = (counts[2 * id] as number) + 1;
        counts[2 * id + 1] = (counts[2 * id + 1] as number) + 1;
      }
      assertClose(grad, counts);
      table.dispose();
    });

    it('does not leak tensors', async () => {
      const table = tf.tensor2d([0.1, 0.2, 0.3, 0.4], [2, 2]);
      const ids = [1, 0];
      await assertNoLeaks(
        () => tf.grad((x) => tf.sum(embeddingLookup(x as tf.Tensor2D, ids)))(table),
        'embeddingLookup',
      );
      tf.dispose(table);
    });
  });
});
