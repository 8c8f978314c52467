import type { KeyValueCache } from '@prefplay/backend-wasm-kernels';
import type { DecodingSessionV1, TokenIds } from '@prefplay/core';
import { PrefplayError } from '@prefplay/core';
import * as tf from '@tensorflow/tfjs-core';
import { type LayerKeyValues, paddedCausalMask } from './layers/causal-attention.js';

const file = 'packages/policies/src/cached-decoding.ts';

export function checkTokens(tokens: readonly number[], vocabSize: number, field: string): void {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as number;
    if (!Number.isInteger(token) || token < 0 || token >= vocabSize) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `token ${token} at ${field}[${i}] is not an integer id in [0, ${vocabSize - 1}]`,
        where: { file, field },
        hint: 'Encode text with the tokenizer the policy was built for (its vocabSize must match the policy)',
      });
    }
  }
}

/** What a decoding session needs from a model: its limits and one forward step. */
export type CachedDecodingModel = {
  readonly vocabSize: number;
  readonly maxSequenceLength: number;
  /**
   * Runs the model on `queryLength` new tokens per row after `past` (cached keys and values per
   * layer), returning the logits of the rows in `logitRows` and, with `keepKeyValues`, each
   * layer's keys and values including the new positions. Runs inside the session's `tf.tidy`.
   */
  forward(input: {
    readonly tokenIds: Int32Array;
    readonly positionIds: Int32Array;
    readonly batch: number;
    readonly queryLength: number;
    readonly mask: tf.Tensor4D | undefined;
    /** The mask is plain causal attention (a full prefix without padding). */
    readonly causal: boolean;
    readonly past: readonly LayerKeyValues[] | undefined;
    readonly logitRows: Int32Array;
    readonly keepKeyValues: boolean;
    /** The session's preallocated cache, when `createCache` gave one: write this step's keys and values into it. */
    readonly cache?: KeyValueCache | undefined;
  }): { readonly logits: tf.Tensor2D; readonly present: readonly LayerKeyValues[] };
  /**
   * A preallocated key/value cache for the session (the wasm kernels' decode-attention cache), or
   * undefined to concatenate `past` every step. Called once per cached session; with a cache,
   * `forward` gets `cache` (no `past`, no mask: the kernel masks by position and `padding`) and the
   * session advances and disposes it.
   */
  createCache?(options: {
    readonly batch: number;
    readonly longest: number;
    readonly padding: readonly number[];
  }): KeyValueCache | undefined;
};

/**
 * Starts incremental decoding over left-padded prompts. Row `b` is padded with
 * `padding[b] = longest − length(b)` leading slots that no query attends to, and its positions
 * count from its first real token, so each row computes exactly what it would alone.
 * With `useCache` each layer's keys and values are kept and only new tokens are processed (in the
 * model's preallocated cache when it makes one, else concatenated every step); without, every
 * `doNextLogits` recomputes the full prefix.
 */
export function beginCachedDecoding(
  model: CachedDecodingModel,
  options: { readonly prompts: readonly TokenIds[]; readonly useCache?: boolean },
): DecodingSessionV1 {
  const { prompts } = options;
  const useCache = options.useCache ?? true;
  if (prompts.length === 0) {
    throw new PrefplayError({
      code: 'invalid-input',
      problem: 'doBeginDecoding received no prompts',
      where: { file, field: 'prompts' },
      hint: 'Pass at least one prompt',
    });
  }
  prompts.forEach((prompt, b) => {
    if (prompt.length === 0) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `prompt ${b} is empty; a decoder needs at least one token (the tokenizer's BOS) to condition on`,
        where: { file, field: `prompts[${b}]` },
        hint: 'Start every prompt with the BOS id',
      });
    }
    if (prompt.length > model.maxSequenceLength) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: `prompt ${b} has ${prompt.length} tokens, more than maxSequenceLength ${model.maxSequenceLength}`,
        where: { file, field: `prompts[${b}]` },
        hint: 'Shorten the prompt or create the policy with a larger maxSequenceLength',
      });
    }
    checkTokens(prompt, model.vocabSize, `prompts[${b}]`);
  });
  const batch = prompts.length;
  const longest = Math.max(...prompts.map((p) => p.length));
  const padding = prompts.map((p) => longest - p.length);
  const padded = padding.some((pad) => pad > 0);
  // Left-padded token rows; pad slots hold token 0 and are masked out.
  const rows: number[][] = prompts.map((p, b) => [...new Array<number>(padding[b] as number).fill(0), ...p]);
  let length = longest;
  const cache = useCache ? model.createCache?.({ batch, longest, padding }) : undefined;
  let past: LayerKeyValues[] | undefined;
  let processed = 0;
  let lastLogits: tf.Tensor2D | undefined;
  let disposed = false;

  const run = (start: number, layers: LayerKeyValues[] | undefined) => {
    const queryLength = length - start;
    const tokenIds = new Int32Array(batch * queryLength);
    const positionIds = new Int32Array(batch * queryLength);
    const logitRows = new Int32Array(batch);
    for (let b = 0; b < batch; b++) {
      const row = rows[b] as number[];
      const pad = padding[b] as number;
      for (let q = 0; q < queryLength; q++) {
        tokenIds[b * queryLength + q] = row[start + q] as number;
        positionIds[b * queryLength + q] = Math.max(0, start + q - pad);
      }
      logitRows[b] = b * queryLength + queryLength - 1;
    }
    if (cache) {
      const logits = tf.tidy(
        () =>
          model.forward({
            tokenIds,
            positionIds,
            batch,
            queryLength,
            mask: undefined,
            causal: false,
            past: undefined,
            logitRows,
            keepKeyValues: false,
            cache,
          }).logits,
      );
      cache.advance(queryLength);
      return { logits, present: [] as LayerKeyValues[] };
    }
    return tf.tidy(() => {
      const out = model.forward({
        tokenIds,
        positionIds,
        batch,
        queryLength,
        // One new token per row with no padding may attend to every key: no mask needed.
        mask: queryLength === 1 && !padded ? undefined : paddedCausalMask(padding, start, queryLength),
        causal: start === 0 && !padded && queryLength > 1,
        past: layers,
        logitRows,
        keepKeyValues: useCache,
      });
      return { logits: out.logits, present: [...out.present] };
    });
  };

  const ensureOpen = () => {
    if (disposed) {
      throw new PrefplayError({
        code: 'invalid-input',
        problem: 'this decoding session was disposed',
        where: { file },
        hint: 'Begin a new session with doBeginDecoding',
      });
    }
  };

  return {
    batchSize: batch,
    doNextLogits(): tf.Tensor2D {
      ensureOpen();
      if (!useCache) {
        const { logits, present } = run(0, undefined);
        for (const layer of present) tf.dispose([layer.keys, layer.values]);
        return logits;
      }
      if (processed < length || !lastLogits) {
        const { logits, present } = run(processed, past);
        if (past) for (const layer of past) tf.dispose([layer.keys, layer.values]);
        lastLogits?.dispose();
        past = present;
        lastLogits = logits;
        processed = length;
      }
      return lastLogits.clone();
    },
    doAppend(tokens: readonly number[]): void {
      ensureOpen();
      if (tokens.length !== batch) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `doAppend received ${tokens.length} tokens for a batch of ${batch} rows`,
          where: { file, field: 'tokens' },
          hint: 'Pass exactly one token per row (append a padding or EOS token to finished rows)',
        });
      }
      checkTokens(tokens, model.vocabSize, 'tokens');
      const longestRow = length + 1 - Math.min(...padding);
      if (longestRow > model.maxSequenceLength) {
        throw new PrefplayError({
          code: 'invalid-input',
          problem: `appending would make a row ${longestRow} tokens long, more than maxSequenceLength ${model.maxSequenceLength}`,
          where: { file, field: 'tokens' },
          hint: 'Stop decoding earlier (lower maxNewTokens) or create the policy with a larger maxSequenceLength',
        });
      }
      tokens.forEach((token, b) => {
        (rows[b] as number[]).push(token);
      });
      length += 1;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      if (past) for (const layer of past) tf.dispose([layer.keys, layer.values]);
      cache?.dispose();
      lastLogits?.dispose();
      past = undefined;
      lastLogits = undefined;
    },
  };
}
