"""PyTorch CPU yardstick for bench/src/cases/gpt2-step.ts (cases gpt2-step and llama-step).

GPT-2 small (124M parameters: vocab 50257, d 768, 12 layers, 12 heads, 1024 positions, tied head),
written out in plain torch as Hugging Face's GPT2LMHeadModel computes it (pre-LayerNorm blocks,
fused c_attn, tanh GELU). One step is forward + backward of the summed next-token log-likelihood of
a [1, seq] sequence (seq − 1 scored tokens), as in prefplay's worker; no optimiser update.
--mode lora freezes the base and adds rank-8 adapters (alpha 16) on c_attn, PEFT's GPT-2 default.
--family llama builds instead a Llama-shaped model as Hugging Face's LlamaForCausalLM computes it
(vocab 32000, d 768, 12 layers, 12 query heads over 4 key/value heads with repeat_kv, rotary
positions with theta 10000, RMSNorm, SwiGLU 2048, untied head); LoRA goes on q_proj and v_proj.
Prints one JSON object: stepMs and stepCpuMs (per timed step), maxRssMB (peak RSS of this process).
Run with /usr/bin/python3 (Debian python3-torch + libopenblas0-pthread) and OPENBLAS_NUM_THREADS=1
(the caller sets it) so both sides use one core.
"""

import argparse
import json
import math
import resource
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


class Lora(torch.nn.Module):
    def __init__(self, base, r, alpha):
        super().__init__()
        self.base = base
        self.a = torch.nn.Parameter(torch.empty(r, base.in_features).uniform_(-1 / math.sqrt(base.in_features), 1 / math.sqrt(base.in_features)))
        self.b = torch.nn.Parameter(torch.zeros(base.out_features, r))
        self.scale = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.a.t() @ self.b.t()) * self.scale


class Block(torch.nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = torch.nn.LayerNorm(d)
        self.c_attn = torch.nn.Linear(d, 3 * d)
        self.c_proj = torch.nn.Linear(d, d)
        self.ln_2 = torch.nn.LayerNorm(d)
        self.c_fc = torch.nn.Linear(d, 4 * d)
        self.mlp_proj = torch.nn.Linear(4 * d, d)

    def forward(self, x, mask):
        b, t, d = x.shape
        h = self.heads
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        q = q.view(b, t, h, d // h).transpose(1, 2)
        k = k.view(b, t, h, d // h).transpose(1, 2)
        v = v.view(b, t, h, d // h).transpose(1, 2)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // h) + mask[:t, :t]
        att = torch.softmax(scores, dim=-1) @ v
        x = x + self.c_proj(att.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt2(torch.nn.Module):
    def __init__(self, vocab=50257, d=768, layers=12, heads=12, positions=1024):
        super().__init__()
        self.wte = torch.nn.Embedding(vocab, d)
        self.wpe = torch.nn.Embedding(positions, d)
        self.h = torch.nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln_f = torch.nn.LayerNorm(d)
        self.register_buffer("mask", torch.full((positions, positions), float("-inf")).triu(1))

    def forward(self, ids):
        t = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(t))
        for block in self.h:
            x = block(x, self.mask)
        return self.ln_f(x) @ self.wte.weight.t()


class LlamaBlock(torch.nn.Module):
    def __init__(self, d, heads, kv_heads, inner, eps=1e-5):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim, self.eps = heads, kv_heads, d // heads, eps
        self.input_norm = torch.nn.Parameter(torch.ones(d))
        self.post_norm = torch.nn.Parameter(torch.ones(d))
        self.q_proj = torch.nn.Linear(d, d, bias=False)
        self.k_proj = torch.nn.Linear(d, kv_heads * self.head_dim, bias=False)
        self.v_proj = torch.nn.Linear(d, kv_heads * self.head_dim, bias=False)
        self.o_proj = torch.nn.Linear(d, d, bias=False)
        self.gate_proj = torch.nn.Linear(d, inner, bias=False)
        self.up_proj = torch.nn.Linear(d, inner, bias=False)
        self.down_proj = torch.nn.Linear(inner, d, bias=False)

    def norm(self, x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * weight

    def forward(self, x, mask, cos, sin):
        b, t, d = x.shape
        hd, kv = self.head_dim, self.kv_heads

        def rotate(y):
            half = y.shape[-1] // 2
            return y * cos + torch.cat([-y[..., half:], y[..., :half]], dim=-1) * sin

        h = self.norm(x, self.input_norm)
        q = rotate(self.q_proj(h).view(b, t, self.heads, hd).transpose(1, 2))
        k = rotate(self.k_proj(h).view(b, t, kv, hd).transpose(1, 2))
        v = self.v_proj(h).view(b, t, kv, hd).transpose(1, 2)
        group = self.heads // kv
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = q @ k.transpose(-2, -1) / math.sqrt(hd) + mask[:t, :t]
        att = torch.softmax(scores, dim=-1) @ v
        x = x + self.o_proj(att.transpose(1, 2).reshape(b, t, d))
        h2 = self.norm(x, self.post_norm)
        return x + self.down_proj(F.silu(self.gate_proj(h2)) * self.up_proj(h2))


class Llama(torch.nn.Module):
    def __init__(self, vocab=32000, d=768, layers=12, heads=12, kv_heads=4, inner=2048, positions=1024):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, d)
        self.layers = torch.nn.ModuleList([LlamaBlock(d, heads, kv_heads, inner) for _ in range(layers)])
        self.final_norm = torch.nn.Parameter(torch.ones(d))
        self.head = torch.nn.Linear(d, vocab, bias=False)
        self.register_buffer("mask", torch.full((positions, positions), float("-inf")).triu(1))
        hd = d // heads
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        angles = torch.outer(torch.arange(positions).float(), inv)
        self.register_buffer("cos", torch.cat([angles, angles], dim=-1).cos())
        self.register_buffer("sin", torch.cat([angles, angles], dim=-1).sin())

    def forward(self, ids):
        t = ids.shape[1]
        x = self.embed(ids)
        for layer in self.layers:
            x = layer(x, self.mask, self.cos[:t], self.sin[:t])
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.final_norm
        return self.head(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--family", choices=["gpt2", "llama"], default="gpt2")
    parser.add_argument("--mode", choices=["lora", "full"], default="full")
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = Llama() if args.family == "llama" else Gpt2()
    vocab = 32000 if args.family == "llama" else 50257
    if args.mode == "lora":
        model.requires_grad_(False)
        if args.family == "llama":
            for layer in model.layers:
                layer.q_proj = Lora(layer.q_proj, 8, 16)
                layer.v_proj = Lora(layer.v_proj, 8, 16)
        else:
            for block in model.h:
                block.c_attn = Lora(block.c_attn, 8, 16)
    ids = torch.randint(0, vocab, (1, args.seq))

    def step():
        start, cpu = time.perf_counter(), time.process_time()
        model.zero_grad(set_to_none=True)
        logits = model(ids[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, vocab), ids[0, 1:], reduction="sum")
        loss.backward()
        return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000

    step()
    measured = [step() for _ in range(args.steps)]
    print(json.dumps({
        "stepMs": [m[0] for m in measured],
        "stepCpuMs": [m[1] for m in measured],
        "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "torchVersion": torch.__version__,
    }))


if __name__ == "__main__":
    main()
