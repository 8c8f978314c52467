import { promises as fs, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PolicyStateV1, PrefplayError } from '@prefplay/core';
import { useTestBackend } from '@prefplay/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { crc32, decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint-file.js';
import { restorePolicy } from './restore-policy.js';
import { createTransformerPolicy } from './transformer-policy.js';
import { createWordTokenizer } from './word-tokenizer.js';

const directory = mkdtempSync(join(tmpdir(), 'prefplay-checkpoint-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());
beforeAll(async () => {
  await useTestBackend();
});

function state(): PolicyStateV1 {
  const special = new Float32Array([0, -0, Number.NaN, Number.POSITIVE_INFINITY, 1e-45, 3.4028234663852886e38, -1.5]);
  return {
    kind: 'tabular',
    config: { numPrompts: 2, numCandidates: 3, nested: { list: [1, 2] } },
    weights: {
      logits: { shape: [2, 3], values: new Float32Array([0.1, -2.5, 3.25, 1e-7, -0, 42]) },
      odd: { shape: [7], values: special },
      scalar: { shape: [], values: new Float32Array([7]) },
      empty: { shape: [0, 4], values: new Float32Array(0) },
    },
  };
}

function expectInvalid(run: () => unknown, pattern: RegExp, file: string): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(PrefplayError.hasCode(caught, 'invalid-checkpoint'), String(caught)).toBe(true);
  expect((caught as PrefplayError).message).toMatch(pattern);
  expect((caught as PrefplayError).where.file).toBe(file);
  expect((caught as PrefplayError).hint).toBeTruthy();
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips weights bit for bit, with configuration, tokenizer and metadata', async () => {
    const path = join(directory, 'nested', 'round-trip.ckpt');
    const tokenizer = createWordTokenizer(['hello world.']).toJSON();
    await saveCheckpoint(path, { policy: state(), tokenizer, metadata: { iteration: 3, note: 'ok' } });
    const loaded = await loadCheckpoint(path);
    expect(loaded.formatVersion).toBe(2);
    expect(loaded.policy.kind).toBe('tabular');
    expect(loaded.policy.config).toEqual(state().config);
    expect(loaded.tokenizer).toEqual(tokenizer);
    expect(loaded.metadata).toEqual({ iteration: 3, note: 'ok' });
    const original = state().weights;
    expect(Object.keys(loaded.policy.weights)).toEqual(Object.keys(original));
    for (const [name, weight] of Object.entries(original)) {
      const got = loaded.policy.weights[name]!;
      expect(got.shape).toEqual(weight.shape);
      expect(got.values).toBeInstanceOf(Float32Array);
      expect(new Uint8Array(got.values.buffer, got.values.byteOffset, got.values.byteLength)).toEqual(
        new Uint8Array(weight.values.buffer, weight.values.byteOffset, weight.values.byteLength),
      );
    }
    const noExtras = join(directory, 'plain.ckpt');
    await saveCheckpoint(noExtras, { policy: state() });
    const plain = await loadCheckpoint(noExtras);
    expect(plain.tokenizer).toBeUndefined();
    expect(plain.metadata).toEqual({});
  });

  it('lays the file out as magic, header length, JSON header, header CRC-32, aligned payload', () => {
    const bytes = encodeCheckpoint({ policy: state() });
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('PREFPLAY');
    const headerLength = new DataView(bytes.buffer).getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
    expect(header).toMatchObject({ format: 'prefplay-checkpoint', formatVersion: 2, payloadByteLength: 4 * 14 });
    expect(new DataView(bytes.buffer).getUint32(12 + headerLength, true)).toBe(
      crc32(bytes.subarray(12, 12 + headerLength)),
    );
    const payloadStart = Math.ceil((12 + headerLength + 4) / 8) * 8;
    expect(bytes.byteLength).toBe(payloadStart + 4 * 14);
    const first = new Float32Array(bytes.slice(payloadStart, payloadStart + 24).buffer);
    expect(Array.from(first)).toEqual(Array.from(state().weights.logits!.values));
    expect(header.payloadCrc32).toBe(crc32(bytes.subarray(payloadStart)));
  });

  it('computes the standard CRC-32', () => {
    // check value of CRC-32/ISO-HDLC
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('rejects truncated, corrupted, foreign and newer files with a located explanation', async () => {
    const good = encodeCheckpoint({ policy: state(), metadata: { a: 1, note: 'ok' } });
    const file = 'model.ckpt';
    expectInvalid(() => decodeCheckpoint(good.subarray(0, good.byteLength - 5), file), /truncated/, file);
    expectInvalid(() => decodeCheckpoint(good.subarray(0, 40), file), /truncated: its header needs/, file);
    expectInvalid(() => decodeCheckpoint(good.subarray(0, 10), file), /truncated/, file);
    expectInvalid(() => decodeCheckpoint(new Uint8Array(0), file), /empty/, file);
    const extra = new Uint8Array(good.byteLength + 4);
    extra.set(good);
    expectInvalid(() => decodeCheckpoint(extra, file), /size mismatch/, file);
    expectInvalid(() => decodeCheckpoint(new TextEncoder().encode('{"format":"json"}'), file), /not a prefplay/, file);

    const headerLength = new DataView(good.buffer).getUint32(8, true);
    const withHeader = (edit: (text: string) => string): Uint8Array => {
      const text = edit(new TextDecoder().decode(good.subarray(12, 12 + headerLength)));
      const encoded = new TextEncoder().encode(text.padEnd(headerLength, ' '));
      const out = good.slice();
      out.set(encoded.subarray(0, headerLength), 12);
      // a consistent header CRC, so that the structural checks behind it are reached
      new DataView(out.buffer).setUint32(12 + headerLength, crc32(out.subarray(12, 12 + headerLength)), true);
      return out;
    };
    // an edited header whose CRC was not updated (a hand edit of stored metrics, say)
    const edited = good.slice();
    const text = new TextDecoder().decode(good.subarray(12, 12 + headerLength));
    edited.set(new TextEncoder().encode(text.replace('"note":"ok"', '"note":"no"')), 12);
    expect(edited).not.toEqual(good);
    expectInvalid(() => decodeCheckpoint(edited, file), /header is corrupted or was edited/, file);
    expectInvalid(
      () =>
        decodeCheckpoint(
          withHeader((t) => t.replace('{', '[')),
          file,
        ),
      /not valid JSON/,
      file,
    );
    expectInvalid(
      () =>
        decodeCheckpoint(
          withHeader((t) => t.replace('"formatVersion":2', '"formatVersion":7')),
          file,
        ),
      /formatVersion 7, newer/,
      file,
    );
    expectInvalid(
      () =>
        decodeCheckpoint(
          withHeader((t) => t.replace('"float32"', '"float64"')),
          file,
        ),
      /header is corrupted.*dtype/,
      file,
    );
    expectInvalid(
      () =>
        decodeCheckpoint(
          withHeader((t) => t.replace('"shape":[2,3]', '"shape":[3,3]')),
          file,
        ),
      /tensor index is inconsistent at "logits"/,
      file,
    );
    const flipped = good.slice();
    flipped[flipped.byteLength - 30]! ^= 0x10;
    expectInvalid(() => decodeCheckpoint(flipped, file), /CRC-32/, file);

    // the same checks through the file system, naming the file
    const path = join(directory, 'truncated.ckpt');
    writeFileSync(path, good.subarray(0, good.byteLength - 1));
    await expect(loadCheckpoint(path)).rejects.toThrow(/truncated.ckpt: checkpoint is truncated/);
    await expect(loadCheckpoint(join(directory, 'missing.ckpt'))).rejects.toThrow(/does not exist/);
  });

  it('refuses a state whose values do not fit their shape, before touching the disk', async () => {
    const path = join(directory, 'bad-state.ckpt');
    const bad: PolicyStateV1 = {
      kind: 'x',
      config: {},
      weights: { w: { shape: [2, 2], values: new Float32Array(3) } },
    };
    await expect(saveCheckpoint(path, { policy: bad })).rejects.toThrow(/shape \[2,2\] but 3 values/);
    expect(readdirSync(directory)).not.toContain('bad-state.ckpt');
  });

  it('an interrupted write never leaves a half file at the target', async () => {
    const sub = join(directory, 'atomic');
    const path = join(sub, 'model.ckpt');
    await saveCheckpoint(path, { policy: state(), metadata: { version: 'old' } });
    const before = readFileSync(path);

    // the rename fails: the old checkpoint stays intact and the temporary file is removed
    vi.spyOn(fs, 'rename').mockRejectedValueOnce(Object.assign(new Error('disk unplugged'), { code: 'EIO' }));
    await expect(saveCheckpoint(path, { policy: state(), metadata: { version: 'new' } })).rejects.toThrow(
      /disk unplugged/,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(sub)).toEqual(['model.ckpt']);

    // the write dies halfway through: same guarantee
    const open = fs.open.bind(fs);
    vi.spyOn(fs, 'open').mockImplementationOnce(async (...args: Parameters<typeof fs.open>) => {
      const handle = await open(...args);
      const writeFile = handle.writeFile.bind(handle);
      handle.writeFile = async (data: Parameters<typeof handle.writeFile>[0]) => {
        await writeFile((data as Uint8Array).subarray(0, 20));
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      };
      return handle;
    });
    await expect(saveCheckpoint(path, { policy: state(), metadata: { version: 'new' } })).rejects.toThrow(/no space/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(sub)).toEqual(['model.ckpt']);
    expect((await loadCheckpoint(path)).metadata).toEqual({ version: 'old' });

    // a successful save replaces it
    await saveCheckpoint(path, { policy: state(), metadata: { version: 'new' } });
    expect((await loadCheckpoint(path)).metadata).toEqual({ version: 'new' });
    expect(readdirSync(sub)).toEqual(['model.ckpt']);
  });

  it('restores a transformer policy that scores exactly like the saved one', async () => {
    const policy = createTransformerPolicy({
      vocabSize: 9,
      dModel: 8,
      numLayers: 1,
      numHeads: 2,
      maxSequenceLength: 10,
      eosTokenId: 1,
      seed: 4,
    });
    const path = join(directory, 'transformer.ckpt');
    await saveCheckpoint(path, { policy: policy.doSaveState() });
    const restored = restorePolicy((await loadCheckpoint(path)).policy);
    const batch = { prompts: [[0, 3], [0]], responses: [[4, 5, 1], [6]] };
    const a = tf.tidy(() => Array.from(policy.doForward(batch).logps.dataSync()));
    const b = tf.tidy(() => Array.from(restored.doForward(batch).logps.dataSync()));
    expect(b).toEqual(a);
    policy.dispose();
    restored.dispose();
  });
});
