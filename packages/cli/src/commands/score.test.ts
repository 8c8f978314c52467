import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io.js';
import { main } from '../cli.js';

// Tiny model folders and numpy reference log-probs made by
// packages/policies/scripts/make-hugging-face-fixtures.py (see that folder's README.md).
const fixtures = fileURLToPath(new URL('../../../policies/src/hugging-face/__fixtures__/', import.meta.url));
const reference = JSON.parse(readFileSync(join(fixtures, 'reference.json'), 'utf8')) as {
  models: Record<string, { rows: { response: number[]; logp: number }[] }>;
};
// The texts the fixture script encoded for its reference rows (prompt with the tokenizer's BOS).
const pairs = [
  ['Hello world', ' and hello again'],
  ['The cat', ' sat on the mat.'],
  ['What is the capital of France?', ' Paris'],
  ['2024', ', 2025 and 12345.'],
] as const;

let dir: string;
const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const write = (name: string, rows: unknown[]) => {
  writeFileSync(join(dir, name), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return name;
};
const copy = (name: string) => {
  const target = join(dir, `${name}-${Math.random().toString(36).slice(2)}`);
  cpSync(join(fixtures, name), target, { recursive: true });
  return target;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prefplay-score-'));
  write(
    'rows.jsonl',
    pairs.map(([prompt, response], i) => ({ id: i, prompt, response })),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prefplay score', () => {
  it.each(['llama-tiny', 'gpt2-tiny', 'qwen2-tiny-f16'])(
    'writes each row back with logp and tokens, equal to the numpy forward pass (%s)',
    async (model) => {
      const io = captureIo(dir);
      expect(
        await main(['score', '--model', join(fixtures, model), '--input', 'rows.jsonl', '--batch-size', '3'], io),
      ).toBe(0);
      const out = lines(io.out);
      const expected = reference.models[model]?.rows ?? [];
      expect(out.map((r) => r.id)).toEqual([0, 1, 2, 3]);
      out.forEach((row, i) => {
        expect(row.prompt).toBe(pairs[i]?.[0]);
        expect(row.tokens).toBe(expected[i]?.response.length);
        expect(Math.abs(row.logp - (expected[i]?.logp as number)) / Math.abs(expected[i]?.logp as number)).toBeLessThan(
          1e-4,
        );
      });
      expect(io.err).toContain(`loaded ${model.split('-')[0]} model`);
    },
  );

  it('appends EOS when asked, renders chat messages, and writes --output', async () => {
    write('chat.jsonl', [
      { prompt: [{ role: 'user', content: 'What is the capital of France?' }], response: 'Paris', eos: true },
      { prompt: 'What is the capital of France?', response: ' Paris' },
    ]);
    const io = captureIo(dir);
    const args = [
      'score',
      '--model',
      join(fixtures, 'qwen2-tiny-f16'),
      '--input',
      'chat.jsonl',
      '--output',
      'out.jsonl',
    ];
    expect(await main([...args, '--add-eos'], io)).toBe(0);
    const out = lines(readFileSync(join(dir, 'out.jsonl'), 'utf8'));
    const plain = captureIo(dir);
    expect(await main(args, plain)).toBe(0);
    const withoutEos = lines(readFileSync(join(dir, 'out.jsonl'), 'utf8'));
    // Row 0 asks for EOS itself; row 1 gets it only from --add-eos.
    expect(withoutEos[0]).toEqual(out[0]);
    expect(withoutEos[1].tokens).toBe(out[1].tokens - 1);
    expect(withoutEos[1].logp).toBeGreaterThan(out[1].logp);
    // The chat prompt is rendered by the template, so it scores differently from the bare string.
    expect(out[0].prompt).toEqual([{ role: 'user', content: 'What is the capital of France?' }]);
    expect(out[0].logp).not.toBe(out[1].logp);
  });

  it('names the problem for a folder without config.json, an unknown model_type, a truncated or misshapen file', async () => {
    const run = async (folder: string) => {
      const io = captureIo(dir);
      const code = await main(['score', '--model', folder, '--input', 'rows.jsonl'], io);
      return { code, err: io.err };
    };
    const noConfig = copy('gpt2-tiny');
    rmSync(join(noConfig, 'config.json'));
    expect(await run(noConfig)).toMatchObject({
      code: 2,
      err: expect.stringContaining('the folder has no config.json'),
    });
    const bert = copy('gpt2-tiny');
    writeFileSync(join(bert, 'config.json'), '{"model_type": "bert"}');
    expect((await run(bert)).err).toMatch(
      /model_type "bert" is not supported\. Supported model types: gpt2, llama, qwen2, mistral/,
    );
    const truncated = copy('llama-tiny');
    truncateSync(join(truncated, 'model.safetensors'), statSync(join(truncated, 'model.safetensors')).size - 10);
    expect((await run(truncated)).err).toMatch(/model\.safetensors.*the file is truncated: tensor "[^"]+"/);
    const shape = copy('llama-tiny');
    const config = JSON.parse(readFileSync(join(shape, 'config.json'), 'utf8'));
    writeFileSync(join(shape, 'config.json'), JSON.stringify({ ...config, intermediate_size: 41 }));
    expect((await run(shape)).err).toContain(
      'tensor "model.layers.0.mlp.gate_proj.weight" has shape [40, 16]; config.json implies [41, 16]',
    );
  });

  it('names the line of a row longer than the context and of a malformed row', async () => {
    write('long.jsonl', [
      { prompt: 'Hello', response: ' world' },
      { prompt: 'Hello', response: ' the cat sat on the mat'.repeat(8) },
    ]);
    const io = captureIo(dir);
    expect(await main(['score', '--model', join(fixtures, 'gpt2-tiny'), '--input', 'long.jsonl'], io)).toBe(2);
    expect(io.err).toMatch(
      /long\.jsonl:2, field "response": prompt \(\d+ tokens\) \+ response \(\d+ tokens\) = \d+ tokens, longer than the model's context of 48 tokens/,
    );
    expect(io.out).toBe('');
    write('bad.jsonl', [
      { prompt: 'a', response: 'b' },
      { prompt: 3, response: 'b' },
    ]);
    const bad = captureIo(dir);
    expect(await main(['score', '--model', join(fixtures, 'gpt2-tiny'), '--input', 'bad.jsonl'], bad)).toBe(2);
    expect(bad.err).toMatch(/bad\.jsonl:2, field "prompt": invalid row/);
    const missing = captureIo(dir);
    expect(await main(['score', '--input', 'rows.jsonl'], missing)).toBe(2);
    expect(missing.err).toContain('score needs --model DIR');
  });
});
