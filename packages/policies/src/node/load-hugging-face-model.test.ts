import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrefplayError } from '@prefplay/core';
import { assertNoLeaks, useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../hugging-face/encode-safetensors.js';
import { loadHuggingFaceModel } from './load-hugging-face-model.js';
import { openSafetensorsFile } from './open-safetensors-file.js';

// Reference values: per-token log-probs, pooled last hidden states and next-token logits of each
// fixture model from an independent float64 numpy forward pass, written by
// packages/policies/scripts/make-hugging-face-fixtures.py (see __fixtures__/README.md).
const fixtures = fileURLToPath(new URL('../hugging-face/__fixtures__/', import.meta.url));
type ReferenceRow = {
  prompt: number[];
  response: number[];
  tokenLogps: number[];
  logp: number;
  hidden: number[];
  nextLogits: number[];
};
const reference = JSON.parse(readFileSync(`${fixtures}reference.json`, 'utf8')) as {
  models: Record<string, { dtype: string; rows: ReferenceRow[] }>;
};

beforeAll(async () => {
  await useTestBackend();
});

function expectRelative(actual: number, expected: number, tolerance: number, label: string): void {
  const error = Math.abs(actual - expected) / Math.max(1e-6, Math.abs(expected));
  if (!(error <= tolerance)) throw new Error(`${label}: ${actual} vs ${expected} (relative error ${error})`);
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], atol: number, label: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const difference = Math.abs((actual[i] as number) - (expected[i] as number));
    if (!(difference <= atol * Math.max(1, Math.abs(expected[i] as number)))) {
      throw new Error(`${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
    }
  }
}

describe.each(Object.keys(reference.models))('%s', (name) => {
  const { rows } = reference.models[name] as { rows: ReferenceRow[] };

  it('scores every row to 1e-4 relative of the numpy forward pass, batched with padding', async () => {
    const { policy, unusedTensors } = await loadHuggingFaceModel(`${fixtures}${name}`);
    expect(unusedTensors).toEqual([]);
    const out = tf.tidy(() => {
      const result = policy.doForward({
        prompts: rows.map((r) => r.prompt),
        responses: rows.map((r) => r.response),
        outputs: { tokenLogps: true, hidden: true },
      });
      return {
        logps: result.logps.arraySync(),
        tokenLogps: result.tokenLogps?.arraySync() as number[][],
        mask: result.responseMask?.arraySync() as number[][],
        hidden: result.hidden?.arraySync() as number[][],
      };
    });
    rows.forEach((row, b) => {
      expectRelative(out.logps[b] as number, row.logp, 1e-4, `${name} row ${b} logp`);
      expectClose(
        (out.tokenLogps[b] as number[]).slice(0, row.response.length),
        row.tokenLogps,
        1e-4,
        `${name} row ${b} tokens`,
      );
      expect((out.mask[b] as number[]).slice(row.response.length).every((v) => v === 0)).toBe(true);
      expectClose(out.hidden[b] as number[], row.hidden, 1e-4, `${name} row ${b} hidden`);
    });
    policy.dispose();
  });

  it('decodes with and without the KV cache to the numpy next-token logits', async () => {
    const { policy } = await loadHuggingFaceModel(`${fixtures}${name}`, { trainable: false });
    // Two rows of different lengths (left-padded): step through the responses token by token.
    const [first, second] = rows as [ReferenceRow, ReferenceRow];
    for (const useCache of [true, false]) {
      const session = policy.doBeginDecoding({ prompts: [first.prompt, second.prompt], useCache });
      const steps = Math.min(first.response.length, second.response.length);
      for (let j = 0; j < steps; j++) {
        session.doAppend([first.response[j] as number, second.response[j] as number]);
      }
      const logits = session.doNextLogits();
      const values = logits.arraySync() as number[][];
      logits.dispose();
      session.dispose();
      // Row 1 has exactly `steps` response tokens appended when it is the shorter one.
      const full = first.response.length === steps ? first : second;
      const row = full === first ? 0 : 1;
      expectClose(values[row] as number[], full.nextLogits, 2e-4, `${name} next logits (cache ${useCache})`);
    }
    policy.dispose();
  });
});

describe('Hugging Face policy tensors', () => {
  it('does not leak in doForward, its gradient, decoding and snapshots', async () => {
    const { policy } = await loadHuggingFaceModel(`${fixtures}llama-tiny`, { lora: { r: 2 } });
    const rows = reference.models['llama-tiny']?.rows as ReferenceRow[];
    const options = {
      prompts: rows.map((r) => r.prompt),
      responses: rows.map((r) => r.response),
      outputs: { tokenLogps: true, hidden: true },
    };
    await assertNoLeaks(() => policy.doForward(options), 'doForward');
    await assertNoLeaks(
      () =>
        tf.variableGrads(
          () => tf.sum(policy.doForward(options).logps) as tf.Scalar,
          policy.trainableVariables() as tf.Variable[],
        ),
      'doForward gradient',
    );
    await assertNoLeaks(() => {
      const session = policy.doBeginDecoding({ prompts: [[1, 2, 3], [4]] });
      session.doNextLogits().dispose();
      session.doAppend([5, 6]);
      const logits = session.doNextLogits();
      session.dispose();
      return logits;
    }, 'decoding');
    const before = tf.memory().numTensors;
    const snapshot = policy.doSnapshot();
    snapshot.dispose();
    expect(tf.memory().numTensors).toBe(before);
    policy.dispose();
  });
});

describe('model folder errors', () => {
  let dir: string;
  const copy = (name: string) => {
    const target = join(dir, `${name}-${Math.random().toString(36).slice(2)}`);
    cpSync(`${fixtures}${name}`, target, { recursive: true });
    return target;
  };
  const errorOf = async (promise: Promise<unknown>): Promise<PrefplayError> => {
    try {
      await promise;
    } catch (error) {
      if (PrefplayError.isInstance(error)) return error;
      throw error;
    }
    throw new Error('expected an error');
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prefplay-hf-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a folder without config.json, a missing folder and an unknown model_type', async () => {
    const folder = copy('gpt2-tiny');
    rmSync(join(folder, 'config.json'));
    const noConfig = await errorOf(loadHuggingFaceModel(folder));
    expect(noConfig.message).toContain(`${join(folder, 'config.json')}: the folder has no config.json`);
    expect(noConfig.code).toBe('invalid-checkpoint');
    expect((await errorOf(loadHuggingFaceModel(join(dir, 'nope')))).message).toMatch(/the model folder does not exist/);
    const bert = copy('gpt2-tiny');
    writeFileSync(join(bert, 'config.json'), JSON.stringify({ model_type: 'bert', vocab_size: 10 }));
    const unknown = await errorOf(loadHuggingFaceModel(bert));
    expect(unknown.code).toBe('unsupported');
    expect(unknown.message).toContain('field "model_type": model_type "bert" is not supported');
    expect(unknown.message).toContain('gpt2, llama, qwen2, mistral');
  });

  it('names the file and tensor of a truncated safetensors file', async () => {
    const folder = copy('gpt2-tiny');
    const path = join(folder, 'model.safetensors');
    truncateSync(path, statSync(path).size - 100);
    const error = await errorOf(loadHuggingFaceModel(folder));
    expect(error.where.file).toBe(path);
    expect(error.message).toMatch(/the file is truncated: tensor "transformer\.[^"]+" ends at data byte \d+/);
    const shard = copy('llama-tiny-bf16-sharded');
    truncateSync(join(shard, 'model-00002-of-00003.safetensors'), 6);
    expect((await errorOf(loadHuggingFaceModel(shard))).message).toMatch(
      /model-00002-of-00003\.safetensors: the file is 6 bytes long, too short/,
    );
  });

  it('names a tensor of the wrong shape, a missing tensor, a missing shard and a too-large tokenizer', async () => {
    const folder = copy('gpt2-tiny');
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, n_positions: 40 }));
    const shape = await errorOf(loadHuggingFaceModel(folder));
    expect(shape.message).toContain(
      'field "transformer.wpe.weight": tensor "transformer.wpe.weight" has shape [48, 16]; config.json implies [40, 16]',
    );
    const missing = copy('llama-tiny');
    const source = await openSafetensorsFile(join(missing, 'model.safetensors'));
    const kept = [];
    for (const [name, info] of source.tensors) {
      if (name !== 'model.layers.1.mlp.up_proj.weight')
        kept.push({ name, shape: info.shape, values: await source.read(name) });
    }
    await source.close();
    writeFileSync(join(missing, 'model.safetensors'), encodeSafetensors(kept));
    expect((await errorOf(loadHuggingFaceModel(missing))).message).toContain(
      'tensor "model.layers.1.mlp.up_proj.weight" is missing from the weights',
    );
    const shard = copy('llama-tiny-bf16-sharded');
    rmSync(join(shard, 'model-00003-of-00003.safetensors'));
    expect((await errorOf(loadHuggingFaceModel(shard))).message).toMatch(
      /model-00003-of-00003\.safetensors: the weights file does not exist/,
    );
    const wrongVocab = copy('gpt2-tiny');
    // Unlike the stored table, but above the EOS id 336 (a vocab_size at or below it is an eos_token_id error).
    writeFileSync(join(wrongVocab, 'config.json'), JSON.stringify({ ...config, vocab_size: 400 }));
    expect((await errorOf(loadHuggingFaceModel(wrongVocab))).message).toMatch(
      /"transformer.wte.weight" has shape \[\d+, 16\]; config.json implies \[400, 16\]/,
    );
    const extra = copy('gpt2-tiny');
    const tokenizer = JSON.parse(readFileSync(join(extra, 'tokenizer.json'), 'utf8'));
    tokenizer.added_tokens.push({ ...tokenizer.added_tokens[0], id: config.vocab_size, content: '<extra>' });
    writeFileSync(join(extra, 'tokenizer.json'), JSON.stringify(tokenizer));
    expect((await errorOf(loadHuggingFaceModel(extra))).message).toContain(
      `the tokenizer has ids up to ${config.vocab_size} but the model's vocab_size is ${config.vocab_size}`,
    );
  });

  it('stops at every end token: the tokenizer EOS, then generation_config.json (preferred) or config.json', async () => {
    // The qwen2 fixture's generation_config.json (written by the fixture script) lists two ids.
    const qwen = `${fixtures}qwen2-tiny-f16`;
    const listed = JSON.parse(readFileSync(join(qwen, 'generation_config.json'), 'utf8')).eos_token_id;
    expect(listed).toHaveLength(2);
    const chat = await loadHuggingFaceModel(qwen, { trainable: false });
    expect(chat.tokenizer?.encode('<|im_end|>', { addSpecialTokens: false })).toEqual([listed[0]]);
    expect(chat.policy.eosTokenIds).toEqual(listed);
    expect(chat.policy.eosTokenId).toBe(listed[0]);
    chat.policy.dispose();

    // Hand-written files in a copy of llama-tiny (added tokens: 336 <s>, 337 </s>, 338 <|im_start|>,
    // 339 <|im_end|>; tokenizer_config.json's eos_token is </s>).
    const folder = copy('llama-tiny');
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, eos_token_id: [337, 338] }));
    writeFileSync(
      join(folder, 'generation_config.json'),
      JSON.stringify({ bos_token_id: 336, eos_token_id: [339, 337] }),
    );
    const preferred = await loadHuggingFaceModel(folder, { trainable: false });
    // The tokenizer's EOS first, then generation_config.json's list; config.json's 338 is not used.
    expect(preferred.policy.eosTokenIds).toEqual([337, 339]);
    expect(preferred.tokenizer?.eosTokenIds).toEqual([337, 339]);
    expect(preferred.policy.eosTokenId).toBe(337);
    preferred.policy.dispose();
    rmSync(join(folder, 'tokenizer.json'));
    const untokenized = await loadHuggingFaceModel(folder, { trainable: false, requireTokenizer: false });
    expect(untokenized.policy.eosTokenIds).toEqual([339, 337]);
    untokenized.policy.dispose();
    rmSync(join(folder, 'generation_config.json'));
    const fallback = await loadHuggingFaceModel(folder, { trainable: false, requireTokenizer: false });
    expect(fallback.policy.eosTokenIds).toEqual([337, 338]);
    fallback.policy.dispose();
  });

  it('rejects a bad eos_token_id naming the file and the field', async () => {
    const folder = copy('llama-tiny');
    const generationPath = join(folder, 'generation_config.json');
    const configPath = join(folder, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    expect(config.vocab_size).toBe(340);
    const cases: [unknown, string, RegExp][] = [
      [[], 'eos_token_id', /eos_token_id is an empty list/],
      [[337, 1.5], 'eos_token_id[1]', /eos_token_id\[1\] is 1\.5, not a token id/],
      [-1, 'eos_token_id', /eos_token_id is -1, not a token id/],
      [[337, 340], 'eos_token_id[1]', /eos_token_id\[1\] is 340, outside the vocabulary of 340 tokens/],
    ];
    for (const [value, field, problem] of cases) {
      writeFileSync(generationPath, JSON.stringify({ bos_token_id: 336, eos_token_id: value }));
      const error = await errorOf(loadHuggingFaceModel(folder));
      expect(error.code, JSON.stringify(value)).toBe('invalid-config');
      expect(error.where).toMatchObject({ file: generationPath, field });
      expect(error.problem).toMatch(problem);
      expect(error.message).toContain('generation_config.json');
    }
    // config.json is checked too, whether or not generation_config.json names the ids.
    writeFileSync(generationPath, JSON.stringify({ bos_token_id: 336, eos_token_id: 337 }));
    writeFileSync(configPath, JSON.stringify({ ...config, eos_token_id: [337, 999] }));
    const inConfig = await errorOf(loadHuggingFaceModel(folder));
    expect(inConfig.code).toBe('invalid-config');
    expect(inConfig.where).toMatchObject({ file: configPath, field: 'eos_token_id[1]' });
    expect(inConfig.hint).toMatch(/below vocab_size 340/);
  });

  it('refuses a sequence longer than the context, naming the row and the lengths', async () => {
    const { policy } = await loadHuggingFaceModel(`${fixtures}gpt2-tiny`, { trainable: false });
    const error = (() => {
      try {
        policy.doForward({
          prompts: [[1, 2], new Array<number>(40).fill(5)],
          responses: [[3], new Array<number>(9).fill(6)],
        });
      } catch (e) {
        return e as PrefplayError;
      }
      throw new Error('expected an error');
    })();
    expect(error.message).toContain(
      'field "responses[1]": row 1: prompt (40 tokens) + response (9 tokens) = 49 tokens, longer than the context of hugging-face:gpt2 (48 tokens)',
    );
    expect(() => policy.doBeginDecoding({ prompts: [new Array<number>(49).fill(1)] })).toThrow(
      /more than maxSequenceLength 48/,
    );
    policy.dispose();
  });
});
