#!/usr/bin/env python3
"""Builds the tiny Hugging Face model folders and the reference values the policies tests use.

Writes packages/policies/src/hugging-face/__fixtures__/ :
  - <model>/: config.json, model.safetensors (or shards + model.safetensors.index.json),
    tokenizer.json, tokenizer_config.json, generation_config.json, for tiny random GPT-2, Llama,
    Qwen2 and Mistral models (F32, F16 and BF16 weights, grouped-query attention, tied and untied
    heads, explicit head_dim, llama3 rope scaling, q/k/v biases);
  - dtypes.safetensors: the same random values stored as F32, F16 and BF16, with numpy's float32
    reading of each (to test the dtype conversions);
  - reference.json: token ids of test texts under an independent byte-level BPE encoder written
    here, chat templates rendered by jinja2, and per-token log-probs and pooled hidden states of
    every model computed by an independent float64 numpy forward pass.

Nothing here uses transformers, torch, tokenizers or safetensors: the safetensors writer, the BPE
trainer and encoder, and the forward passes are written below from the formats' and models'
definitions. Needs python3 with numpy, regex and jinja2. Deterministic (fixed seeds).

Usage: python3 packages/policies/scripts/make-hugging-face-fixtures.py
"""

import json
import math
import os
import shutil
import struct

import jinja2
import numpy as np
import regex

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'hugging-face', '__fixtures__')

# ---------------------------------------------------------------------------------------------
# safetensors writer (format: u64 LE header length, JSON header padded with spaces, raw LE data)


def bf16_bits(values):
    """float32 → bfloat16 bit patterns, round to nearest even (as torch .to(torch.bfloat16))."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def store(values, dtype):
    """(raw bytes, float32 values actually stored) of a float array in a safetensors dtype."""
    values = np.asarray(values, dtype=np.float32)
    if dtype == 'F32':
        return values.astype('<f4').tobytes(), values
    if dtype == 'F16':
        half = values.astype('<f2')
        return half.tobytes(), half.astype(np.float32)
    if dtype == 'BF16':
        bits = bf16_bits(values)
        return bits.astype('<u2').tobytes(), bf16_to_f32(bits)
    raise ValueError(dtype)


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, dtype, shape, raw bytes)."""
    header = {}
    if metadata:
        header['__metadata__'] = metadata
    offset = 0
    for name, dtype, shape, raw in tensors:
        header[name] = {'dtype': dtype, 'shape': list(shape), 'data_offsets': [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for _, _, _, raw in tensors:
            f.write(raw)


# ---------------------------------------------------------------------------------------------
# byte-level BPE (GPT-2's algorithm)


def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {v: k for k, v in BYTE_ENCODER.items()}
PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

CORPUS = [
    'The cat sat on the mat. The dog sat on the log.',
    'Self-play preference optimisation plays the policy against itself.',
    'A judge says which of two answers it prefers, and the policy learns from it.',
    'the theory of these things is in the thesis; then there were three.',
    'Hello world! Hello there, hello again: 2024, 2025 and 12345.',
    'What is the capital of France? Paris is the capital of France.',
]


def train_bpe(corpus, num_merges):
    words = {}
    for text in corpus:
        for piece in PATTERN.findall(text):
            symbols = tuple(BYTE_ENCODER[b] for b in piece.encode('utf-8'))
            words[symbols] = words.get(symbols, 0) + 1
    merges = []
    for _ in range(num_merges):
        pairs = {}
        for symbols, count in words.items():
            for a, b in zip(symbols, symbols[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + count
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], [-ord(c) for c in kv[0][0] + kv[0][1]]))[0]
        merges.append(best)
        merged = {}
        for symbols, count in words.items():
            out = []
            i = 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + count
        words = merged
    return merges


def bpe_word(symbols, ranks):
    symbols = list(symbols)
    while len(symbols) > 1:
        candidates = [(ranks.get((a, b), math.inf), i) for i, (a, b) in enumerate(zip(symbols, symbols[1:]))]
        rank, i = min(candidates)
        if rank == math.inf:
            break
        pair = (symbols[i], symbols[i + 1])
        out = []
        j = 0
        while j < len(symbols):
            if j + 1 < len(symbols) and (symbols[j], symbols[j + 1]) == pair:
                out.append(symbols[j] + symbols[j + 1])
                j += 2
            else:
                out.append(symbols[j])
                j += 1
        symbols = out
    return symbols


class ByteBpe:
    def __init__(self, merges, specials):
        self.ranks = {pair: i for i, pair in enumerate(merges)}
        self.vocab = {}
        for b in sorted(BYTE_ENCODER):  # byte tokens in byte order: id = byte value
            self.vocab[BYTE_ENCODER[b]] = b
        for a, b in merges:
            if a + b not in self.vocab:
                self.vocab[a + b] = len(self.vocab)
        self.merges = merges
        self.specials = {}
        for s in specials:
            self.specials[s] = len(self.vocab) + len(self.specials)

    @property
    def size(self):
        return len(self.vocab) + len(self.specials)

    def encode(self, text, bos=None):
        ids = [] if bos is None else [self.specials[bos]]
        # Special tokens are matched literally first, the rest is split by the GPT-2 pattern.
        if self.specials:
            parts = regex.split('(' + '|'.join(regex.escape(s) for s in self.specials) + ')', text)
        else:
            parts = [text]
        for part in parts:
            if part in self.specials:
                ids.append(self.specials[part])
                continue
            for piece in PATTERN.findall(part):
                symbols = [BYTE_ENCODER[b] for b in piece.encode('utf-8')]
                ids.extend(self.vocab[s] for s in bpe_word(symbols, self.ranks))
        return ids

    def decode(self, ids):
        inverse = {v: k for k, v in self.vocab.items()}
        inverse.update({v: k for k, v in self.specials.items()})
        text = ''.join(inverse[i] for i in ids)
        out = bytearray()
        for ch in text:
            out.extend(BYTE_DECODER[ch].to_bytes(1, 'little') if ch in BYTE_DECODER else ch.encode('utf-8'))
        return out.decode('utf-8', errors='replace')

    def tokenizer_json(self, post_processor):
        added = [
            {'id': i, 'content': s, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True}
            for s, i in self.specials.items()
        ]
        return {
            'version': '1.0',
            'truncation': None,
            'padding': None,
            'added_tokens': added,
            'normalizer': None,
            'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
            'post_processor': post_processor,
            'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
            'model': {
                'type': 'BPE',
                'dropout': None,
                'unk_token': None,
                'continuing_subword_prefix': '',
                'end_of_word_suffix': '',
                'fuse_unk': False,
                'byte_fallback': False,
                'ignore_merges': False,
                'vocab': self.vocab,
                'merges': [f'{a} {b}' for a, b in self.merges],
            },
        }


CHATML_TEMPLATE = (
    "{%- for message in messages %}\n"
    "{%- if loop.first and message['role'] != 'system' %}{{ '<|im_start|>system\\nYou are terse.<|im_end|>\\n' }}{% endif %}\n"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] | trim + '<|im_end|>\\n' }}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
LLAMA_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] + eos_token }}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported') }}{% endif %}"
    "{% endfor %}"
)


def render(template, **context):
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, extensions=['jinja2.ext.loopcontrols'])

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env.globals['raise_exception'] = raise_exception
    return env.from_string(template).render(**context)


# ---------------------------------------------------------------------------------------------
# independent numpy forward passes (float64)


def layer_norm(x, g, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * g + b


def rms_norm(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def causal_attention(q, k, v):
    """q: [H, T, hd], k, v: [H, T, hd] → [T, H·hd]."""
    t = q.shape[1]
    scores = q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[2])
    scores = np.where(np.tril(np.ones((t, t), dtype=bool)), scores, -np.inf)
    out = softmax(scores) @ v
    return out.transpose(1, 0, 2).reshape(t, -1)


def gpt2_forward(w, c, ids):
    d, n_head = c['n_embd'], c['n_head']
    hd = d // n_head
    t = len(ids)
    x = w['wte.weight'][ids] + w['wpe.weight'][np.arange(t)]
    for i in range(c['n_layer']):
        p = f'h.{i}.'
        h = layer_norm(x, w[p + 'ln_1.weight'], w[p + 'ln_1.bias'], c['layer_norm_epsilon'])
        qkv = h @ w[p + 'attn.c_attn.weight'] + w[p + 'attn.c_attn.bias']  # Conv1D: [in, out]
        q, k, v = (qkv[:, j * d:(j + 1) * d].reshape(t, n_head, hd).transpose(1, 0, 2) for j in range(3))
        x = x + causal_attention(q, k, v) @ w[p + 'attn.c_proj.weight'] + w[p + 'attn.c_proj.bias']
        h = layer_norm(x, w[p + 'ln_2.weight'], w[p + 'ln_2.bias'], c['layer_norm_epsilon'])
        a = h @ w[p + 'mlp.c_fc.weight'] + w[p + 'mlp.c_fc.bias']
        a = 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))  # gelu_new
        x = x + a @ w[p + 'mlp.c_proj.weight'] + w[p + 'mlp.c_proj.bias']
    x = layer_norm(x, w['ln_f.weight'], w['ln_f.bias'], c['layer_norm_epsilon'])
    head = w['wte.weight'] if c.get('tie_word_embeddings', True) else w['lm_head']
    return x, x @ head.T


def rope_inverse_frequencies(c, hd):
    """As transformers' ROPE_INIT_FUNCTIONS, in float32."""
    theta = np.float32(c.get('rope_theta', 10000.0))
    inv = (np.float32(1.0) / (theta ** (np.arange(0, hd, 2, dtype=np.int64).astype(np.float32) / np.float32(hd)))).astype(np.float32)
    scaling = c.get('rope_scaling')
    if scaling is None or scaling.get('rope_type', scaling.get('type')) == 'default':
        return inv
    kind = scaling.get('rope_type', scaling.get('type'))
    if kind == 'linear':
        return (inv / np.float32(scaling['factor'])).astype(np.float32)
    if kind == 'llama3':
        factor = scaling['factor']
        low, high = scaling['low_freq_factor'], scaling['high_freq_factor']
        old = scaling['original_max_position_embeddings']
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = np.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        return np.where(medium, smoothed, scaled).astype(np.float32)
    raise ValueError(kind)


def rotate(x, cos, sin):
    """Hugging Face's half rotation: x·cos + rotate_half(x)·sin, rotate_half = (−x2, x1)."""
    half = x.shape[-1] // 2
    rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * cos + rotated * sin


def llama_forward(w, c, ids):
    d, n_head = c['hidden_size'], c['num_attention_heads']
    n_kv = c.get('num_key_value_heads') or n_head
    hd = c.get('head_dim') or d // n_head
    eps = c['rms_norm_eps']
    t = len(ids)
    inv = rope_inverse_frequencies(c, hd)
    angles = (np.arange(t, dtype=np.float32)[:, None] * inv[None, :]).astype(np.float32)
    emb = np.concatenate([angles, angles], axis=-1).astype(np.float64)
    cos, sin = np.cos(emb)[None], np.sin(emb)[None]  # [1, T, hd]
    x = w['model.embed_tokens.weight'][ids]
    for i in range(c['num_hidden_layers']):
        p = f'model.layers.{i}.'
        h = rms_norm(x, w[p + 'input_layernorm.weight'], eps)

        def proj(name, inp):
            y = inp @ w[p + name + '.weight'].T  # nn.Linear: [out, in]
            return y + w[p + name + '.bias'] if (p + name + '.bias') in w else y

        q = proj('self_attn.q_proj', h).reshape(t, n_head, hd).transpose(1, 0, 2)
        k = proj('self_attn.k_proj', h).reshape(t, n_kv, hd).transpose(1, 0, 2)
        v = proj('self_attn.v_proj', h).reshape(t, n_kv, hd).transpose(1, 0, 2)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        groups = n_head // n_kv
        k, v = np.repeat(k, groups, axis=0), np.repeat(v, groups, axis=0)  # repeat_kv
        x = x + proj('self_attn.o_proj', causal_attention(q, k, v))
        h = rms_norm(x, w[p + 'post_attention_layernorm.weight'], eps)
        gate = proj('mlp.gate_proj', h)
        x = x + proj('mlp.down_proj', gate / (1 + np.exp(-gate)) * proj('mlp.up_proj', h))
    x = rms_norm(x, w['model.norm.weight'], eps)
    head = w['model.embed_tokens.weight'] if c.get('tie_word_embeddings', False) else w['lm_head.weight']
    return x, x @ head.T


# ---------------------------------------------------------------------------------------------
# models


def gpt2_weights(rng, c, vocab):
    d, f = c['n_embd'], c.get('n_inner') or 4 * c['n_embd']
    normal = lambda *shape, s=0.3: rng.normal(0, s, shape)
    w = {'wte.weight': normal(vocab, d, s=0.5), 'wpe.weight': normal(c['n_positions'], d, s=0.2)}
    for i in range(c['n_layer']):
        p = f'h.{i}.'
        w[p + 'ln_1.weight'] = 1 + normal(d, s=0.1)
        w[p + 'ln_1.bias'] = normal(d, s=0.1)
        w[p + 'attn.c_attn.weight'] = normal(d, 3 * d)
        w[p + 'attn.c_attn.bias'] = normal(3 * d, s=0.1)
        w[p + 'attn.c_proj.weight'] = normal(d, d)
        w[p + 'attn.c_proj.bias'] = normal(d, s=0.1)
        w[p + 'ln_2.weight'] = 1 + normal(d, s=0.1)
        w[p + 'ln_2.bias'] = normal(d, s=0.1)
        w[p + 'mlp.c_fc.weight'] = normal(d, f)
        w[p + 'mlp.c_fc.bias'] = normal(f, s=0.1)
        w[p + 'mlp.c_proj.weight'] = normal(f, d, s=0.2)
        w[p + 'mlp.c_proj.bias'] = normal(d, s=0.1)
    w['ln_f.weight'] = 1 + normal(d, s=0.1)
    w['ln_f.bias'] = normal(d, s=0.1)
    if not c.get('tie_word_embeddings', True):
        w['lm_head'] = normal(vocab, d, s=0.5)
    return w


def llama_weights(rng, c, qkv_bias=False):
    vocab = c['vocab_size']
    d, f = c['hidden_size'], c['intermediate_size']
    n_head = c['num_attention_heads']
    n_kv = c.get('num_key_value_heads') or n_head
    hd = c.get('head_dim') or d // n_head
    normal = lambda *shape, s=0.3: rng.normal(0, s, shape)
    w = {'model.embed_tokens.weight': normal(vocab, d, s=0.5)}
    for i in range(c['num_hidden_layers']):
        p = f'model.layers.{i}.'
        w[p + 'input_layernorm.weight'] = 1 + normal(d, s=0.1)
        w[p + 'self_attn.q_proj.weight'] = normal(n_head * hd, d)
        w[p + 'self_attn.k_proj.weight'] = normal(n_kv * hd, d)
        w[p + 'self_attn.v_proj.weight'] = normal(n_kv * hd, d)
        if qkv_bias:
            w[p + 'self_attn.q_proj.bias'] = normal(n_head * hd, s=0.2)
            w[p + 'self_attn.k_proj.bias'] = normal(n_kv * hd, s=0.2)
            w[p + 'self_attn.v_proj.bias'] = normal(n_kv * hd, s=0.2)
        w[p + 'self_attn.o_proj.weight'] = normal(d, n_head * hd)
        w[p + 'post_attention_layernorm.weight'] = 1 + normal(d, s=0.1)
        w[p + 'mlp.gate_proj.weight'] = normal(f, d)
        w[p + 'mlp.up_proj.weight'] = normal(f, d)
        w[p + 'mlp.down_proj.weight'] = normal(d, f, s=0.2)
    w['model.norm.weight'] = 1 + normal(d, s=0.1)
    if not c.get('tie_word_embeddings', False):
        w['lm_head.weight'] = normal(vocab, d, s=0.5)
    return w


def save_model(name, config, weights, dtype, tokenizer_files, key_prefix='', extra=None, shards=1):
    """Stores the weights in `dtype`; returns the float32 values actually stored (for the reference)."""
    folder = os.path.join(OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    stored = {}
    entries = []
    for key in sorted(weights):
        raw, values = store(weights[key], dtype)
        file_key = key_prefix + ('lm_head.weight' if key == 'lm_head' else key)
        stored[key] = values.astype(np.float64)
        entries.append((file_key, dtype, weights[key].shape, raw))
    for file_key, dtype_, shape, raw in extra or []:
        entries.append((file_key, dtype_, shape, raw))
    entries.sort(key=lambda e: e[0])
    if shards == 1:
        write_safetensors(os.path.join(folder, 'model.safetensors'), entries, {'format': 'pt'})
    else:
        weight_map = {}
        size = 0
        per = math.ceil(len(entries) / shards)
        for s in range(shards):
            file = f'model-{s + 1:05d}-of-{shards:05d}.safetensors'
            part = entries[s * per:(s + 1) * per]
            write_safetensors(os.path.join(folder, file), part, {'format': 'pt'})
            for e in part:
                weight_map[e[0]] = file
                size += len(e[3])
        with open(os.path.join(folder, 'model.safetensors.index.json'), 'w') as f:
            json.dump({'metadata': {'total_size': size}, 'weight_map': weight_map}, f, indent=2)
    with open(os.path.join(folder, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2)
    for file, content in tokenizer_files.items():
        with open(os.path.join(folder, file), 'w') as f:
            json.dump(content, f, indent=2, ensure_ascii=False)
    return stored


def reference_rows(forward, weights, config, rows):
    out = []
    for prompt, response in rows:
        ids = prompt + response
        hidden, logits = forward(weights, config, np.array(ids))
        logp = log_softmax(logits)
        tokens = [float(logp[len(prompt) - 1 + j, response[j]]) for j in range(len(response))]
        pooled = hidden[len(prompt):len(ids)].mean(0) if response else np.zeros(hidden.shape[1])
        out.append({
            'prompt': prompt,
            'response': response,
            'tokenLogps': tokens,
            'logp': float(sum(tokens)),
            'hidden': [float(v) for v in pooled],
            'nextLogits': [float(v) for v in logits[len(ids) - 1]],
        })
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240611)

    # dtype conversions: values spanning normal, subnormal (F16) and large magnitudes.
    values = np.concatenate([rng.normal(0, 1, 40), rng.normal(0, 1e-6, 8), rng.normal(0, 3e4, 8), [0.0, -0.0, 1.0, -2.5, 65504.0]]).astype(np.float32)
    entries = []
    for dtype in ['F32', 'F16', 'BF16']:
        raw, stored_values = store(values, dtype)
        entries.append((dtype.lower(), dtype, values.shape, raw))
        entries.append((dtype.lower() + '_as_f32', 'F32', values.shape, stored_values.astype('<f4').tobytes()))
    write_safetensors(os.path.join(OUT, 'dtypes.safetensors'), entries, {'made_by': 'make-hugging-face-fixtures.py'})

    merges = train_bpe(CORPUS, 80)
    gpt2_tok = ByteBpe(merges, ['<|endoftext|>'])
    llama_tok = ByteBpe(merges, ['<s>', '</s>', '<|im_start|>', '<|im_end|>'])
    byte_level_post = {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True}
    bos_post = {
        'type': 'TemplateProcessing',
        'single': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}],
        'pair': [
            {'SpecialToken': {'id': '<s>', 'type_id': 0}},
            {'Sequence': {'id': 'A', 'type_id': 0}},
            {'SpecialToken': {'id': '<s>', 'type_id': 1}},
            {'Sequence': {'id': 'B', 'type_id': 1}},
        ],
        'special_tokens': {'<s>': {'id': '<s>', 'ids': [llama_tok.specials['<s>']], 'tokens': ['<s>']}},
    }
    gpt2_files = {
        'tokenizer.json': gpt2_tok.tokenizer_json(byte_level_post),
        'tokenizer_config.json': {
            'tokenizer_class': 'GPT2Tokenizer',
            'bos_token': '<|endoftext|>',
            'eos_token': '<|endoftext|>',
            'unk_token': '<|endoftext|>',
            'add_prefix_space': False,
            'model_max_length': 48,
            'clean_up_tokenization_spaces': False,
        },
        'generation_config.json': {'bos_token_id': gpt2_tok.specials['<|endoftext|>'], 'eos_token_id': gpt2_tok.specials['<|endoftext|>']},
    }
    chat_config = {
        'tokenizer_class': 'PreTrainedTokenizerFast',
        'bos_token': {'content': '<s>', 'lstrip': False, 'normalized': False, 'rstrip': False, 'single_word': False, '__type': 'AddedToken'},
        'eos_token': '<|im_end|>',
        'pad_token': '</s>',
        'chat_template': CHATML_TEMPLATE,
        'model_max_length': 64,
        'clean_up_tokenization_spaces': False,
    }
    llama_config_tok = {
        'tokenizer_class': 'LlamaTokenizerFast',
        'bos_token': '<s>',
        'eos_token': '</s>',
        'chat_template': [{'name': 'default', 'template': LLAMA_TEMPLATE}],
        'model_max_length': 64,
        'clean_up_tokenization_spaces': False,
    }
    s = llama_tok.specials
    llama_files = {
        'tokenizer.json': llama_tok.tokenizer_json(bos_post),
        'tokenizer_config.json': llama_config_tok,
        'generation_config.json': {'bos_token_id': s['<s>'], 'eos_token_id': s['</s>']},
    }
    chat_files = {
        'tokenizer.json': llama_tok.tokenizer_json(byte_level_post),
        'tokenizer_config.json': chat_config,
        'generation_config.json': {'bos_token_id': s['<s>'], 'eos_token_id': [s['<|im_end|>'], s['</s>']]},
    }

    texts = ['Hello world!', ' the cat sat on the mat', 'Self-play: 12345 answers?', 'naïve café ☕ test', 'a  b\n\nc ']
    messages = [
        [{'role': 'user', 'content': 'What is the capital of France? '}],
        [{'role': 'system', 'content': 'Be kind.'}, {'role': 'user', 'content': 'Hello there'}, {'role': 'assistant', 'content': 'Hello!'}, {'role': 'user', 'content': 'the thesis'}],
    ]
    tokenizer_reference = {
        'gpt2': [{'text': t, 'ids': gpt2_tok.encode(t), 'decoded': gpt2_tok.decode(gpt2_tok.encode(t))} for t in texts],
        'llama': [{'text': t, 'ids': llama_tok.encode(t, bos='<s>'), 'idsWithoutSpecial': llama_tok.encode(t)} for t in texts],
        'chat': [],
        'llamaChat': [],
    }
    for m in messages:
        rendered = render(CHATML_TEMPLATE, messages=m, add_generation_prompt=True, bos_token='<s>', eos_token='<|im_end|>', pad_token='</s>')
        tokenizer_reference['chat'].append({'messages': m, 'rendered': rendered, 'ids': llama_tok.encode(rendered)})
    llama_messages = [{'role': 'user', 'content': 'Hello there'}, {'role': 'assistant', 'content': 'Hi.'}, {'role': 'user', 'content': 'the cat?'}]
    rendered = render(LLAMA_TEMPLATE, messages=llama_messages, add_generation_prompt=True, bos_token='<s>', eos_token='</s>')
    tokenizer_reference['llamaChat'].append({'messages': llama_messages, 'rendered': rendered, 'ids': llama_tok.encode(rendered)})

    def rows_for(tok, bos=None):
        pairs = [('Hello world', ' and hello again'), ('The cat', ' sat on the mat.'), ('What is the capital of France?', ' Paris'), ('2024', ', 2025 and 12345.')]
        return [(tok.encode(p, bos=bos), tok.encode(r)) for p, r in pairs]

    models = {}

    def add(name, config, weights, dtype, files, forward, rows, **kwargs):
        stored = save_model(name, config, weights, dtype, files, **kwargs)
        models[name] = {'dtype': dtype, 'rows': reference_rows(forward, stored, config, rows)}

    gpt2 = {
        'model_type': 'gpt2', 'architectures': ['GPT2LMHeadModel'], 'vocab_size': gpt2_tok.size, 'n_embd': 16, 'n_layer': 2,
        'n_head': 4, 'n_positions': 48, 'n_ctx': 48, 'n_inner': None, 'activation_function': 'gelu_new',
        'layer_norm_epsilon': 1e-5, 'bos_token_id': gpt2_tok.specials['<|endoftext|>'], 'eos_token_id': gpt2_tok.specials['<|endoftext|>'],
        'tie_word_embeddings': True, 'scale_attn_weights': True, 'torch_dtype': 'float32',
    }
    rows = rows_for(gpt2_tok)
    add('gpt2-tiny', gpt2, gpt2_weights(rng, gpt2, gpt2['vocab_size']), 'F32', gpt2_files, gpt2_forward, rows, key_prefix='transformer.')
    gpt2_untied = {**gpt2, 'tie_word_embeddings': False, 'n_inner': 24, 'vocab_size': gpt2_tok.size + 3, 'torch_dtype': 'bfloat16'}
    tril = np.tril(np.ones((48, 48), dtype=np.float32)).reshape(1, 1, 48, 48)
    buffers = [(f'h.{i}.attn.bias', 'F32', tril.shape, tril.astype('<f4').tobytes()) for i in range(2)]
    add('gpt2-tiny-bf16-untied', gpt2_untied, gpt2_weights(rng, gpt2_untied, gpt2_untied['vocab_size']), 'BF16', gpt2_files, gpt2_forward, rows, extra=buffers)

    llama = {
        'model_type': 'llama', 'architectures': ['LlamaForCausalLM'], 'vocab_size': llama_tok.size, 'hidden_size': 16,
        'intermediate_size': 40, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2,
        'max_position_embeddings': 64, 'rms_norm_eps': 1e-6, 'rope_theta': 10000.0, 'rope_scaling': None,
        'hidden_act': 'silu', 'attention_bias': False, 'mlp_bias': False, 'tie_word_embeddings': False,
        'bos_token_id': s['<s>'], 'eos_token_id': s['</s>'], 'torch_dtype': 'float32',
    }
    rows = rows_for(llama_tok, bos='<s>')
    add('llama-tiny', llama, llama_weights(rng, llama), 'F32', llama_files, llama_forward, rows)
    llama_bf16 = {
        **llama, 'hidden_size': 24, 'head_dim': 8, 'num_attention_heads': 4, 'num_key_value_heads': 1,
        'tie_word_embeddings': True, 'rope_theta': 500000.0, 'torch_dtype': 'bfloat16',
        'rope_scaling': {'rope_type': 'llama3', 'factor': 8.0, 'low_freq_factor': 1.0, 'high_freq_factor': 4.0, 'original_max_position_embeddings': 16},
    }
    add('llama-tiny-bf16-sharded', llama_bf16, llama_weights(rng, llama_bf16), 'BF16', llama_files, llama_forward, rows, shards=3)
    qwen2 = {
        'model_type': 'qwen2', 'architectures': ['Qwen2ForCausalLM'], 'vocab_size': llama_tok.size + 5, 'hidden_size': 16,
        'intermediate_size': 32, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2,
        'max_position_embeddings': 64, 'rms_norm_eps': 1e-6, 'rope_theta': 1000000.0, 'hidden_act': 'silu',
        'tie_word_embeddings': True, 'use_sliding_window': False, 'sliding_window': 32, 'max_window_layers': 2,
        'bos_token_id': s['<s>'], 'eos_token_id': s['<|im_end|>'], 'torch_dtype': 'float16',
    }
    add('qwen2-tiny-f16', qwen2, llama_weights(rng, qwen2, qkv_bias=True), 'F16', chat_files, llama_forward, rows_for(llama_tok))
    mistral = {
        'model_type': 'mistral', 'architectures': ['MistralForCausalLM'], 'vocab_size': llama_tok.size, 'hidden_size': 16,
        'intermediate_size': 24, 'num_hidden_layers': 1, 'num_attention_heads': 2, 'num_key_value_heads': 1,
        'max_position_embeddings': 64, 'rms_norm_eps': 1e-5, 'rope_theta': 1000000.0, 'sliding_window': None,
        'hidden_act': 'silu', 'tie_word_embeddings': False, 'bos_token_id': s['<s>'], 'eos_token_id': s['</s>'],
        'torch_dtype': 'float32',
    }
    add('mistral-tiny', mistral, llama_weights(rng, mistral), 'F32', llama_files, llama_forward, rows)

    reference = {
        'note': 'Made by packages/policies/scripts/make-hugging-face-fixtures.py (numpy float64 forward passes, an independent byte-level BPE encoder and jinja2); do not edit by hand.',
        'tokenizers': tokenizer_reference,
        'models': models,
    }
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(reference, f, ensure_ascii=False)
    print('wrote', OUT)


if __name__ == '__main__':
    main()
