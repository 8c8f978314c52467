import { PrefplayError } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelInstance } from './kernel-instance.js';
import { defineKernel, recordingGradients, runKernel } from './kernel-registry.js';

const file = 'packages/backend-wasm-kernels/src/embedding-kernel.ts';

/** `table[ids]` (+ `positions[positionIds]`), `[ids.length, width]`. */
export const embeddingKernel = defineKernel('PrefplayEmbedding', (instance, inputs) => {
  const table = inputs.table as tf.TensorInfo;
  const ids = inputs.ids as tf.TensorInfo;
  const positions = inputs.positions as tf.TensorInfo | undefined;
  const positionIds = inputs.positionIds as tf.TensorInfo | undefined;
  const [tableRows, width] = table.shape as [number, number];
  const rows = ids.shape[0] as number;
  const out = instance.output([rows, width]);
  const bad = instance.exports.embedding_forward(
    rows,
    width,
    instance.offset(ids),
    instance.offset(table),
    tableRows,
    positionIds ? instance.offset(positionIds) : 0,
    positions ? instance.offset(positions) : 0,
    positions ? (positions.shape[0] as number) : 0,
    out.offset,
  );
  if (bad > 0) {
    instance.backend.disposeData(out.info.dataId);
    throw new Error(`PrefplayEmbedding: ${bad} id(s) outside the table`);
  }
  return out.info;
});

/** Scatter-add of `dy` rows into a zero `[rows, width]` table at `ids` (the gather's gradient). */
export const scatterAddKernel = defineKernel('PrefplayScatterAddRows', (instance, inputs, attrs) => {
  const ids = inputs.ids as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const tableRows = attrs.rows as number;
  const width = dy.shape[1] as number;
  const grad = instance.output([tableRows, width]);
  instance.exports.scatter_add_rows(
    ids.shape[0] as number,
    width,
    instance.offset(ids),
    instance.offset(dy),
    grad.offset,
    tableRows,
  );
  return grad.info;
});

function checkIds(ids: ArrayLike<number>, rows: number, field: string): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (!Number.isInteger(id) || id < 0 || id >= rows) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `embedding: ${field}[${i}] = ${id} is not a row index in [0, ${rows - 1}]`,
        where: { file, field: `${field}[${i}]` },
        hint: 'Pass integer ids below the table size',
      });
    }
  }
}

/**
 * Rows `table[ids[i]]`, plus `positions[positionIds[i]]` when a position table is given (token
 * and position embeddings in one pass), `[ids.length, width]`; differentiable with respect to both
 * tables (the gradient is a scatter-add of the incoming rows).
 */
export function createEmbedding(_instance: KernelInstance) {
  return (
    table: tf.Tensor2D,
    ids: Int32Array,
    positions?: { readonly table: tf.Tensor2D; readonly ids: Int32Array },
  ): tf.Tensor2D => {
    checkIds(ids, table.shape[0], 'ids');
    if (positions) {
      if (positions.ids.length !== ids.length || positions.table.shape[1] !== table.shape[1]) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `embedding: ${positions.ids.length} position ids for ${ids.length} ids, or tables of widths ${table.shape[1]} and ${positions.table.shape[1]}`,
          where: { file, field: 'positions' },
          hint: 'Pass one position id per id and two tables of the same width',
        });
      }
      checkIds(positions.ids, positions.table.shape[0], 'positions.ids');
    }
    if (!recordingGradients()) {
      const made = [tf.tensor1d(ids, 'int32')];
      const inputs: tf.NamedTensorMap = { table, ids: made[0] as tf.Tensor };
      if (positions) {
        made.push(tf.tensor1d(positions.ids, 'int32'));
        inputs.positions = positions.table;
        inputs.positionIds = made[1] as tf.Tensor;
      }
      const value = runKernel(embeddingKernel, inputs)[0] as tf.Tensor2D;
      tf.dispose(made);
      return value;
    }
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const [tokens, places] = args.slice(0, -1) as [tf.Tensor2D, tf.Tensor2D | undefined];
      const idTensor = tf.tensor1d(ids, 'int32');
      const inputs: tf.NamedTensorMap = { table: tokens, ids: idTensor };
      let positionTensor: tf.Tensor | undefined;
      if (places && positions) {
        positionTensor = tf.tensor1d(positions.ids, 'int32');
        inputs.positions = places;
        inputs.positionIds = positionTensor;
      }
      save(positionTensor ? [idTensor, positionTensor] : [idTensor]);
      return {
        value: runKernel(embeddingKernel, inputs)[0] as tf.Tensor2D,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const g = dy as tf.Tensor;
          const grads = [
            runKernel(scatterAddKernel, { ids: saved[0] as tf.Tensor, dy: g }, { rows: table.shape[0] })[0],
          ];
          if (saved[1] && positions) {
            grads.push(
              runKernel(scatterAddKernel, { ids: saved[1], dy: g }, { rows: positions.table.shape[0] })[0] as tf.Tensor,
            );
          }
          return grads as tf.Tensor[];
        },
      };
    });
    return (positions ? op(table, positions.table) : op(table)) as tf.Tensor2D;
  };
}
