import type { DecoderV1, DecodingSessionV1, TokenIds } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';

export type MockDecoderOptions = {
  readonly vocabSize: number;
  /** Token that ends a response (reported as the decoder's `eosTokenId`). */
  readonly eosTokenId?: number;
  /** Every token that ends a response (reported as the decoder's `eosTokenIds`). */
  readonly eosTokenIds?: readonly number[];
  /** Next-token logits of one row as a function of everything before it (prompt + appended tokens). */
  readonly logits: (prefix: readonly number[]) => readonly number[];
  /** Longest prompt + response accepted (default 1024); longer rows throw. */
  readonly maxSequenceLength?: number;
};

/** Counters a test can read to check how a sampler drove the decoder. */
export type MockDecoderStats = {
  sessionsOpened: number;
  sessionsDisposed: number;
  /** `doNextLogits` calls over all sessions. */
  logitCalls: number;
  /** `useCache` of the most recent session. */
  lastUseCache: boolean | undefined;
  /** Largest batch seen by `doBeginDecoding`. */
  largestBatch: number;
};

/**
 * A `DecoderV1` whose next-token logits come from a plain function of the prefix, so a sampler's
 * output can be checked against a distribution known in closed form. Rows are independent and the
 * result never depends on `useCache` or on which rows share a batch.
 */
export function mockDecoder(options: MockDecoderOptions): DecoderV1 & { readonly stats: MockDecoderStats } {
  const { vocabSize } = options;
  const maxSequenceLength = options.maxSequenceLength ?? 1024;
  const stats: MockDecoderStats = {
    sessionsOpened: 0,
    sessionsDisposed: 0,
    logitCalls: 0,
    lastUseCache: undefined,
    largestBatch: 0,
  };
  const checkRow = (row: readonly number[]): void => {
    if (row.length === 0) throw new RangeError('mock decoder: a row must hold at least one token');
    if (row.length > maxSequenceLength) {
      throw new RangeError(`mock decoder: row of ${row.length} tokens exceeds maxSequenceLength ${maxSequenceLength}`);
    }
    for (const token of row) {
      if (!(Number.isInteger(token) && token >= 0 && token < vocabSize)) {
        throw new RangeError(`mock decoder: token ${token} outside vocabulary of ${vocabSize}`);
      }
    }
  };
  return {
    specificationVersion: 'v1',
    vocabSize,
    maxSequenceLength,
    ...(options.eosTokenId !== undefined ? { eosTokenId: options.eosTokenId } : {}),
    ...(options.eosTokenIds !== undefined ? { eosTokenIds: [...options.eosTokenIds] } : {}),
    stats,
    doBeginDecoding({ prompts, useCache }: { readonly prompts: readonly TokenIds[]; readonly useCache?: boolean }) {
      const rows = prompts.map((p) => p.slice());
      rows.forEach(checkRow);
      stats.sessionsOpened++;
      stats.lastUseCache = useCache;
      stats.largestBatch = Math.max(stats.largestBatch, rows.length);
      let disposed = false;
      const session: DecodingSessionV1 = {
        batchSize: rows.length,
        doNextLogits() {
          if (disposed) throw new Error('mock decoder: session used after dispose');
          stats.logitCalls++;
          const values = new Float32Array(rows.length * vocabSize);
          rows.forEach((row, b) => {
            const logits = options.logits(row);
            if (logits.length !== vocabSize) {
              throw new RangeError(`mock decoder: logits function returned ${logits.length} values, not ${vocabSize}`);
            }
            values.set(logits, b * vocabSize);
          });
          return tf.tensor2d(values, [rows.length, vocabSize]);
        },
        doAppend(tokens: readonly number[]) {
          if (disposed) throw new Error('mock decoder: session used after dispose');
          if (tokens.length !== rows.length) {
            throw new RangeError(`mock decoder: doAppend got ${tokens.length} tokens for ${rows.length} rows`);
          }
          rows.forEach((row, b) => {
            row.push(tokens[b] as number);
            checkRow(row);
          });
        },
        dispose() {
          if (!disposed) stats.sessionsDisposed++;
          disposed = true;
        },
      };
      return session;
    },
  };
}
