"""PyTorch CPU yardstick for bench/src/cases/transformer.ts (one round of measurements).

The same decoder-only architecture as @prefplay/policies' transformer policy (token + learned
position embeddings, pre-LayerNorm blocks, causal multi-head attention, tanh-GELU MLP, final
LayerNorm, tied head) on the reference model (vocab 256, d 128, 2 layers, 4 heads). Measures, in
one process, the cases named by --cases:

  train-t64 / train-t256   median ms of forward + backward + Adam on a [batch, T] batch
  train-t64-b64            the same at batch 64 (throughput per sequence)
  sample-b1 / -b16 / -b64  greedy sampling of 63 new tokens with a key/value cache (a
                           past_key_values loop: each step feeds one token per row and
                           concatenates its keys and values to the cache, as Hugging Face
                           models do), tokens/s
  naive-b1 / naive-b16     the same without a cache (the full prefix is recomputed per token)

With --serve it reads one case name per line on stdin and answers each with one JSON line, so the
caller can interleave its own measurements with these case by case in one PyTorch process.

Threads: torch.set_num_threads(1) bounds torch's own pool only; OpenBLAS's threads are bounded
by OPENBLAS_NUM_THREADS, which the caller must set (the bench sets it to 1, like the
single-threaded wasm backend). The JSON output records both.
Run with /usr/bin/python3 (Debian python3-torch 1.13 with libopenblas0-pthread installed, so that
OpenBLAS does the matrix products instead of the reference BLAS).
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


class Block(torch.nn.Module):
    def __init__(self, d, heads, d_ff):
        super().__init__()
        self.heads = heads
        self.norm1 = torch.nn.LayerNorm(d)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.out = torch.nn.Linear(d, d)
        self.norm2 = torch.nn.LayerNorm(d)
        self.mlp_in = torch.nn.Linear(d, d_ff)
        self.mlp_out = torch.nn.Linear(d_ff, d)

    def forward(self, x, mask, past=None):
        b, t, d = x.shape
        h = self.heads
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=2)
        q = q.view(b, t, h, d // h).transpose(1, 2)
        k = k.view(b, t, h, d // h).transpose(1, 2)
        v = v.view(b, t, h, d // h).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // h)
        if mask is not None:
            scores = scores + mask
        att = torch.softmax(scores, dim=-1) @ v
        x = x + self.out(att.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp_out(F.gelu(self.mlp_in(self.norm2(x)), approximate="tanh")), (k, v)


class Model(torch.nn.Module):
    def __init__(self, vocab, d, layers, heads, seq):
        super().__init__()
        self.tok = torch.nn.Embedding(vocab, d)
        self.pos = torch.nn.Embedding(seq, d)
        self.blocks = torch.nn.ModuleList([Block(d, heads, 4 * d) for _ in range(layers)])
        self.norm = torch.nn.LayerNorm(d)
        mask = torch.full((seq, seq), float("-inf")).triu(1)
        self.register_buffer("mask", mask)

    def forward(self, ids, past=None):
        t = ids.shape[1]
        start = 0 if past is None else past[0][0].shape[2]
        x = self.tok(ids) + self.pos(torch.arange(start, start + t))
        # One new token attends to every cached key: no mask, as in our decoder.
        mask = self.mask[start : start + t, : start + t] if t > 1 else None
        present = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, mask, None if past is None else past[i])
            present.append(kv)
        return self.norm(x) @ self.tok.weight.t(), present


def train_step_ms(args, seq, batch, steps, warmup):
    torch.manual_seed(0)
    model = Model(args.vocab, args.d_model, args.layers, args.heads, seq)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    ids = torch.randint(0, args.vocab, (batch, seq))

    def step():
        logits, _ = model(ids)
        # Position t predicts token t + 1 (our bench scores T − 1 targets per row too).
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, args.vocab), ids[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def sampling_tokens_per_sec(model, batch, new_tokens, cache):
    seq = torch.ones((batch, 1), dtype=torch.long)
    with torch.no_grad():
        start = time.perf_counter()
        past = None
        last = seq
        for _ in range(new_tokens):
            if cache:
                logits, past = model(last, past)
            else:
                logits, _ = model(seq)
            last = logits[:, -1, :].argmax(dim=-1, keepdim=True)
            seq = torch.cat([seq, last], dim=1)
        elapsed = time.perf_counter() - start
    return batch * new_tokens / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vocab", type=int, default=256)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--new-tokens", type=int, default=63)
    parser.add_argument("--cases", default="train-t64,train-t256,sample-b1,sample-b16,naive-b1,naive-b16")
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args()
    result = {
        "torchVersion": torch.__version__,
        "blas": os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"),
        "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "torchThreads": torch.get_num_threads(),
    }
    sampler = None

    def measure(case):
        nonlocal sampler
        kind, _, size = case.partition("-")
        if kind == "train":
            parts = size.split("-")
            seq = int(parts[0][1:])
            batch = int(parts[1][1:]) if len(parts) > 1 else args.batch
            steps = args.steps if seq <= 64 and batch <= 16 else max(2, args.steps - 2)
            return train_step_ms(args, seq, batch, steps, warmup=1)
        if kind in ("sample", "naive"):
            batch = int(size[1:])
            if sampler is None:
                torch.manual_seed(0)
                sampler = Model(args.vocab, args.d_model, args.layers, args.heads, args.new_tokens + 1)
                sampling_tokens_per_sec(sampler, 1, 8, True)  # warm-up
            return max(sampling_tokens_per_sec(sampler, batch, args.new_tokens, kind == "sample") for _ in range(2))
        raise SystemExit(f"unknown case {case}")

    if args.serve:
        print(json.dumps(result), flush=True)
        for line in sys.stdin:
            case = line.strip()
            if case:
                print(json.dumps({case: measure(case)}), flush=True)
        return
    for case in [c for c in args.cases.split(",") if c]:
        result[case] = measure(case)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
