import { assertClose, assertNoLeaks, checkGradient, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayerKeyValues } from './causal-attention.js';
import { embeddingColumns } from './embedding-columns.js';
import { frozenDense } from './frozen-dense.js';
import { groupedQueryAttention } from './grouped-query-attention.js';
import { rmsNorm } from './rms-norm.js';
import { applyRotaryEmbedding, ropeInverseFrequencies, rotaryTables } from './rotary-embedding.js';
import { swiglu } from './swiglu.js';

beforeAll(async () => {
  await useTestBackend();
});

const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9 + i * 0.77));

describe('rmsNorm', () => {
  it('matches the closed form and finite-difference gradients', () => {
    const x = tf.tensor2d(values(12, 1), [3, 4]);
    const w = tf.tensor1d([1, 2, 0.5, -1]);
    const rowsOf = x.arraySync() as number[][];
    const expected = rowsOf.map((row) => {
      const rms = Math.sqrt(row.reduce((s, v) => s + v * v, 0) / 4 + 1e-6);
      return row.map((v, i) => (v / rms) * [1, 2, 0.5, -1][i]!);
    });
    assertClose(rmsNorm(x, w, 1e-6), expected, { atol: 1e-5 });
    const upstream = tf.tensor2d(values(12, 2), [3, 4]);
    checkGradient((t) => tf.sum(tf.mul(rmsNorm(t as tf.Tensor2D, w, 1e-6), upstream)) as tf.Scalar, x);
    checkGradient((t) => tf.sum(tf.mul(rmsNorm(x, t as tf.Tensor1D, 1e-6), upstream)) as tf.Scalar, w);
    tf.dispose([x, w, upstream]);
  });
});

describe('rotary embeddings', () => {
  it('rotate each pair (i, i + half) by position · frequency, as Hugging Face does', () => {
    const headDim = 4;
    const frequencies = ropeInverseFrequencies(headDim, 10000);
    // 1/10000^(0/4) = 1, 1/10000^(2/4) = 0.01
    expect(Array.from(frequencies)).toEqual([1, Math.fround(0.01)]);
    const positions = [0, 3];
    const heads = 2;
    const x = values(positions.length * heads * headDim, 3);
    const { cos, sin } = rotaryTables(positions, frequencies);
    const out = tf.tidy(() =>
      applyRotaryEmbedding(
        tf.tensor2d(x, [2, heads * headDim]),
        {
          cos: tf.tensor2d(cos, [2, headDim]),
          sin: tf.tensor2d(sin, [2, headDim]),
        },
        heads,
      ).arraySync(),
    );
    positions.forEach((position, r) => {
      for (let h = 0; h < heads; h++) {
        const base = r * heads * headDim + h * headDim;
        for (let i = 0; i < 2; i++) {
          const angle = position * (frequencies[i] as number);
          const a = x[base + i] as number;
          const b = x[base + i + 2] as number;
          expect(out[r]?.[h * headDim + i]).toBeCloseTo(a * Math.cos(angle) - b * Math.sin(angle), 5);
          expect(out[r]?.[h * headDim + i + 2]).toBeCloseTo(b * Math.cos(angle) + a * Math.sin(angle), 5);
        }
      }
    });
  });

  it('scales frequencies as transformers does for linear and llama3 rope scaling', () => {
    const plain = ropeInverseFrequencies(8, 10000);
    const linear = ropeInverseFrequencies(8, 10000, { type: 'linear', factor: 4 });
    plain.forEach((f, i) => {
      expect(linear[i]).toBeCloseTo(f / 4, 10);
    });
    // Wavelengths 2π/f ≈ 6.3, 62.8, 628, 6283 against the high- and low-frequency wavelengths
    // 64/4 = 16 and 64/1 = 64: the first is kept, the second smoothed, the last two divided by 8.
    const llama3 = ropeInverseFrequencies(8, 10000, {
      type: 'llama3',
      factor: 8,
      lowFrequencyFactor: 1,
      highFrequencyFactor: 4,
      originalMaxPositions: 64,
    });
    expect(llama3[0]).toBe(plain[0]);
    const f1 = plain[1] as number;
    const s = (64 / ((2 * Math.PI) / f1) - 1) / (4 - 1);
    expect(s).toBeGreaterThan(0);
    expect(llama3[1]).toBeCloseTo(((1 - s) * f1) / 8 + s * f1, 8);
    for (let i = 2; i < 4; i++) expect(llama3[i]).toBeCloseTo((plain[i] as number) / 8, 10);
  });
});

describe('groupedQueryAttention', () => {
  it('equals per-head attention with key/value head ⌊h / group⌋, with a mask and a cache', () => {
    const [batch, tq, heads, kvHeads, headDim] = [2, 3, 4, 2, 2];
    const q = tf.tensor2d(values(batch * tq * heads * headDim, 4), [batch * tq, heads * headDim]);
    const k = tf.tensor2d(values(batch * tq * kvHeads * headDim, 5), [batch * tq, kvHeads * headDim]);
    const v = tf.tensor2d(values(batch * tq * kvHeads * headDim, 6), [batch * tq, kvHeads * headDim]);
    const maskValues = new Float32Array(batch * tq * tq);
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < tq; i++) for (let j = i + 1; j < tq; j++) maskValues[(b * tq + i) * tq + j] = -1e9;
    maskValues[(1 * tq + 2) * tq + 0] = -1e9; // row 1, query 2 also cannot see key 0
    const mask = tf.tensor4d(maskValues, [batch, 1, tq, tq]);
    const out = groupedQueryAttention({
      queries: q,
      keys: k,
      values: v,
      batch,
      queryLength: tq,
      numHeads: heads,
      numKeyValueHeads: kvHeads,
      mask,
    });
    const Q = q.arraySync() as number[][];
    const K = k.arraySync() as number[][];
    const V = v.arraySync() as number[][];
    const expected: number[][] = [];
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < tq; i++) {
        const row: number[] = [];
        for (let h = 0; h < heads; h++) {
          const g = Math.floor(h / (heads / kvHeads));
          const scores = Array.from({ length: tq }, (_, j) => {
            let dot = 0;
            for (let d = 0; d < headDim; d++)
              dot += Q[b * tq + i]![h * headDim + d]! * K[b * tq + j]![g * headDim + d]!;
            return dot / Math.sqrt(headDim) + maskValues[(b * tq + i) * tq + j]!;
          });
          const max = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - max));
          const total = e.reduce((a, c) => a + c, 0);
          for (let d = 0; d < headDim; d++)
            row.push(e.reduce((acc, w, j) => acc + (w / total) * V[b * tq + j]![g * headDim + d]!, 0));
        }
        expected.push(row);
      }
    }
    assertClose(out.output, expected, { atol: 1e-5 });
    const present = out.present as LayerKeyValues;
    expect(present.keys.shape).toEqual([batch, kvHeads, tq, headDim]);
    // The last query with the first two positions as a cache gives the same row.
    const split = (t: tf.Tensor2D, w: number) =>
      tf.transpose(tf.reshape(t, [batch, tq, kvHeads, w / kvHeads]), [0, 2, 1, 3]) as tf.Tensor4D;
    const past = {
      keys: tf.slice(split(k, kvHeads * headDim), [0, 0, 0, 0], [batch, kvHeads, 2, headDim]),
      values: tf.slice(split(v, kvHeads * headDim), [0, 0, 0, 0], [batch, kvHeads, 2, headDim]),
    };
    const pick = (t: tf.Tensor2D) =>
      tf.concat([tf.slice(t, [2, 0], [1, -1]), tf.slice(t, [5, 0], [1, -1])]) as tf.Tensor2D;
    const lastMask = tf.tensor4d([0, 0, 0, -1e9, 0, 0], [2, 1, 1, 3]);
    const cached = groupedQueryAttention({
      queries: pick(q),
      keys: pick(k),
      values: pick(v),
      batch,
      queryLength: 1,
      numHeads: heads,
      numKeyValueHeads: kvHeads,
      mask: lastMask,
      past,
    });
    assertClose(cached.output, [expected[2] as number[], expected[5] as number[]], { atol: 1e-5 });
    tf.dispose([q, k, v, mask, out.output, present.keys, present.values]);
  });
});

describe('embeddingColumns, frozenDense and swiglu', () => {
  it('match closed forms and finite-difference gradients', () => {
    const table = tf.tensor2d(values(12, 7), [3, 4]);
    const ids = [3, 0, 3];
    const t = table.arraySync() as number[][];
    assertClose(
      embeddingColumns(table, ids),
      ids.map((id) => t.map((row) => row[id] as number)),
    );
    const upstream = tf.tensor2d(values(9, 8), [3, 3]);
    checkGradient((x) => tf.sum(tf.mul(embeddingColumns(x as tf.Tensor2D, ids), upstream)) as tf.Scalar, table);
    const x = tf.tensor2d(values(6, 9), [2, 3]);
    const kernel = tf.tensor2d(values(12, 10), [3, 4]);
    const bias = tf.tensor1d(values(4, 11));
    assertClose(frozenDense(x, kernel, bias), tf.add(tf.matMul(x, kernel), bias), { atol: 1e-6 });
    const weights = tf.tensor2d(values(8, 12), [2, 4]);
    checkGradient((a) => tf.sum(tf.mul(tf.tanh(frozenDense(a as tf.Tensor2D, kernel, bias)), weights)) as tf.Scalar, x);
    // A wide input (rows·(in + out) ≥ in·out) takes the other transposition: same gradient.
    const tall = tf.tensor2d(values(30, 13), [10, 3]);
    checkGradient((a) => tf.sum(tf.tanh(frozenDense(a as tf.Tensor2D, kernel))) as tf.Scalar, tall);
    const gate = tf.tensor2d([-1, 0.5, 2], [1, 3]);
    const up = tf.tensor2d([3, -2, 0.25], [1, 3]);
    assertClose(
      swiglu(gate, up),
      [[(-1 / (1 + Math.E)) * 3, (0.5 / (1 + Math.exp(-0.5))) * -2, (2 / (1 + Math.exp(-2))) * 0.25]],
      { atol: 1e-6 },
    );
    tf.dispose([table, upstream, x, kernel, bias, weights, tall, gate, up]);
  });

  it('do not leak tensors', async () => {
    const table = tf.tensor2d(values(12, 7), [3, 4]);
    const x = tf.tensor2d(values(12, 1), [3, 4]);
    const w = tf.tensor1d([1, 2, 0.5, -1]);
    const kernel = tf.tensor2d(values(12, 10), [4, 3]);
    await assertNoLeaks(
      () => tf.grad((t) => tf.sum(embeddingColumns(t as tf.Tensor2D, [1, 2])))(table),
      'embeddingColumns',
    );
    await assertNoLeaks(
      () => tf.grads((a, b) => tf.sum(rmsNorm(a as tf.Tensor2D, b as tf.Tensor1D, 1e-6)))([x, w]),
      'rmsNorm',
    );
    await assertNoLeaks(() => tf.grad((a) => tf.sum(frozenDense(a as tf.Tensor2D, kernel)))(x), 'frozenDense');
    await assertNoLeaks(() => tf.grad((a) => tf.sum(swiglu(a as tf.Tensor2D, x)))(x), 'swiglu');
    const { cos, sin } = rotaryTables([0, 1, 2], ropeInverseFrequencies(4, 10000));
    const tables = { cos: tf.tensor2d(cos, [3, 4]), sin: tf.tensor2d(sin, [3, 4]) };
    await assertNoLeaks(() => tf.grad((a) => tf.sum(applyRotaryEmbedding(a as tf.Tensor2D, tables, 1)))(x), 'rotary');
    await assertNoLeaks(
      () =>
        tf.grad((a) =>
          tf.sum(
            groupedQueryAttention({
              queries: a as tf.Tensor2D,
              keys: tf.slice(x, [0, 0], [3, 2]),
              values: tf.slice(x, [0, 2], [3, 2]),
              batch: 1,
              queryLength: 3,
              numHeads: 2,
              numKeyValueHeads: 1,
            }).output,
          ),
        )(x),
      'groupedQueryAttention',
    );
    tf.dispose([table, x, w, kernel, tables.cos, tables.sin]);
  });
});
