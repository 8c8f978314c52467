import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHuggingFaceTokenizer } from './hugging-face-tokenizer.js';

// Expected ids come from the fixture script's own byte-level BPE encoder (GPT-2's algorithm) and
// the rendered chat templates from jinja2; see __fixtures__/README.md.
const fixtures = new URL('./__fixtures__/', import.meta.url);
const json = (path: string) => JSON.parse(readFileSync(new URL(path, fixtures), 'utf8'));
const reference = json('reference.json').tokenizers as {
  gpt2: { text: string; ids: number[]; decoded: string }[];
  llama: { text: string; ids: number[]; idsWithoutSpecial: number[] }[];
  chat: { messages: { role: string; content: string }[]; rendered: string; ids: number[] }[];
  llamaChat: { messages: { role: string; content: string }[]; rendered: string; ids: number[] }[];
};
const tokenizerOf = (folder: string) =>
  createHuggingFaceTokenizer({
    tokenizer: json(`${folder}/tokenizer.json`),
    tokenizerConfig: json(`${folder}/tokenizer_config.json`),
    generationConfig: json(`${folder}/generation_config.json`),
    modelConfig: json(`${folder}/config.json`),
    where: `${folder}/tokenizer.json`,
  });

describe('createHuggingFaceTokenizer', () => {
  it('encodes and decodes byte-level BPE with merges exactly as the reference encoder', () => {
    const gpt2 = tokenizerOf('gpt2-tiny');
    for (const { text, ids, decoded } of reference.gpt2) {
      expect(gpt2.encode(text)).toEqual(ids);
      expect(gpt2.decode(ids)).toBe(decoded);
    }
    // Merges are used: "Hello" is one token, fewer ids than bytes.
    expect(reference.gpt2[0]?.ids.length).toBeLessThan('Hello world!'.length);
    expect(gpt2.bosTokenId).toBe(gpt2.eosTokenId);
    expect(gpt2.decode([...gpt2.encode('Hi'), gpt2.eosTokenId as number])).toBe('Hi');
  });

  it("adds the post-processor's BOS to string prompts and nothing to responses (the tokenisation convention)", () => {
    const llama = tokenizerOf('llama-tiny');
    for (const { text, ids, idsWithoutSpecial } of reference.llama) {
      expect(llama.encodePrompt(text)).toEqual(ids);
      expect(ids[0]).toBe(llama.bosTokenId);
      expect(llama.encodeResponse(text)).toEqual(idsWithoutSpecial);
      expect(llama.encodeResponse(text, { addEos: true })).toEqual([...idsWithoutSpecial, llama.eosTokenId]);
    }
  });

  it('renders chat templates with add_generation_prompt as jinja2 does, then encodes without adding specials', () => {
    const chat = tokenizerOf('qwen2-tiny-f16');
    for (const { messages, rendered, ids } of reference.chat) {
      expect(chat.applyChatTemplate(messages)).toBe(rendered);
      expect(chat.encodePrompt(messages)).toEqual(ids);
    }
    // The end-of-turn token from tokenizer_config.json comes first, then generation_config's list.
    expect(chat.eosTokenIds).toEqual([chat.encode('<|im_end|>')[0], chat.encode('</s>')[0]]);
    expect(chat.eosTokenId).toBe(chat.encode('<|im_end|>')[0]);
    // A template given as a named list, with bos_token / eos_token variables.
    const llama = tokenizerOf('llama-tiny');
    for (const { messages, rendered, ids } of reference.llamaChat) {
      expect(llama.applyChatTemplate(messages)).toBe(rendered);
      expect(llama.encodePrompt(messages)).toEqual(ids);
    }
  });

  it('reports template errors and missing templates clearly', () => {
    const llama = tokenizerOf('llama-tiny');
    expect(() => llama.encodePrompt([{ role: 'system', content: 'x' }])).toThrow(
      /llama-tiny\/tokenizer.json, field "chat_template": the chat template failed: Only user and assistant roles are supported/,
    );
    const gpt2 = tokenizerOf('gpt2-tiny');
    expect(() => gpt2.encodePrompt([{ role: 'user', content: 'hi' }])).toThrow(/the tokenizer has no chat template/);
    expect(() =>
      createHuggingFaceTokenizer({ tokenizer: { model: { type: 'Nope' } }, where: 'x/tokenizer.json' }),
    ).toThrow(/x\/tokenizer.json: the tokenizer cannot be built/);
  });
});
