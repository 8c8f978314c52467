import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { initBackend } from '@prefplay/core/node';
import { createHuggingFacePolicy } from '@prefplay/policies';
import { saveHuggingFaceFolder } from '@prefplay/policies/node';

/** GPT-2's map from bytes to printable characters, the alphabet of byte-level BPE. */
function bytesToUnicode(): Map<number, string> {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map = new Map<number, string>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    map.set(b, String.fromCodePoint(printable.includes(b) ? b : 256 + extra++));
  }
  return map;
}

const specials = ['<s>', '</s>', '<|im_start|>', '<|im_end|>'] as const;
/** A few merges, so the tokenizer is byte-level BPE with merges like real ones. */
const merges = [
  ['Ġ', 't'],
  ['h', 'e'],
  ['Ġt', 'he'],
  ['Ġ', 'a'],
  ['i', 'n'],
  ['o', 'n'],
];

/** `tokenizer.json` of a byte-level BPE: 256 byte tokens, the merges above, then the special tokens. */
export function tinyTokenizerJson(): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  for (const [byte, char] of bytesToUnicode()) vocab[char] = byte;
  for (const [a, b] of merges) vocab[`${a}${b}`] = Object.keys(vocab).length;
  const first = Object.keys(vocab).length;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, i) => ({
      id: first + i,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [first], tokens: ['<s>'] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

const chatTemplate =
  "{{ bos_token }}{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * Writes a tiny random Llama-family model folder (2 layers, hidden size 32, grouped-query attention,
 * vocabulary 266) with Hugging Face's file names: config.json, model.safetensors, tokenizer.json,
 * tokenizer_config.json (with a chat template), generation_config.json. Stand-in for a model you
 * downloaded; `prefplay train` reads a real one the same way.
 */
export async function makeTinyModel(folder: string, seed = 0): Promise<string> {
  await initBackend();
  const vocabSize = 256 + merges.length + specials.length;
  const [bos, eos] = [vocabSize - 4, vocabSize - 1];
  const config = {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    vocab_size: vocabSize,
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 128,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: true,
    bos_token_id: bos,
    eos_token_id: eos,
  };
  const policy = createHuggingFacePolicy({ config, seed, initStd: 0.1 });
  try {
    await saveHuggingFaceFolder(folder, policy);
  } finally {
    policy.dispose();
  }
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(join(folder, 'tokenizer.json'), json(tinyTokenizerJson()));
  await writeFile(
    join(folder, 'tokenizer_config.json'),
    json({ bos_token: '<s>', eos_token: '<|im_end|>', pad_token: '</s>', chat_template: chatTemplate }),
  );
  await writeFile(join(folder, 'generation_config.json'), json({ bos_token_id: bos, eos_token_id: eos }));
  return folder;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const folder = resolve(process.argv[2] ?? 'model');
  await makeTinyModel(folder);
  process.stdout.write(`wrote a tiny model folder to ${folder}\n`);
}
