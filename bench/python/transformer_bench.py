"""PyTorch CPU yardstick for bench/src/cases/transformer.ts.

The same decoder-only architecture as @prefplay/policies' transformer policy (token + learned
position embeddings, pre-LayerNorm blocks, causal multi-head attention, tanh-GELU MLP, final
LayerNorm, tied head) on the reference model. Prints one JSON object:
  trainStepMs           median ms of forward + backward + Adam on a [batch, seq] batch
  samplingTokensPerSec  naive greedy sampling (no key/value cache: the full sequence is recomputed
  samplingTokensPerSecBatch1   for every new token) at batch 16 and batch 1
Run with /usr/bin/python3 (Debian python3-torch, with libopenblas0-pthread installed so that
OpenBLAS does the matrix products); torch's own threads are set to 1 so the BLAS threads are not
oversubscribed.
"""

import argparse
import json
import math
import os
import statistics
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

    def forward(self, x, mask):
        b, t, d = x.shape
        h = self.heads
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=2)
        q = q.view(b, t, h, d // h).transpose(1, 2)
        k = k.view(b, t, h, d // h).transpose(1, 2)
        v = v.view(b, t, h, d // h).transpose(1, 2)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // h) + mask[:t, :t]
        att = torch.softmax(scores, dim=-1) @ v
        x = x + self.out(att.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp_out(F.gelu(self.mlp_in(self.norm2(x)), approximate="tanh"))


class Model(torch.nn.Module):
    def __init__(self, vocab, d, layers, heads, seq):
        super().__init__()
        self.tok = torch.nn.Embedding(vocab, d)
        self.pos = torch.nn.Embedding(seq, d)
        self.blocks = torch.nn.ModuleList([Block(d, heads, 4 * d) for _ in range(layers)])
        self.norm = torch.nn.LayerNorm(d)
        mask = torch.full((seq, seq), float("-inf")).triu(1)
        self.register_buffer("mask", mask)

    def forward(self, ids):
        t = ids.shape[1]
        x = self.tok(ids) + self.pos(torch.arange(t))
        for block in self.blocks:
            x = block(x, self.mask)
        return self.norm(x) @ self.tok.weight.t()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vocab", type=int, default=256)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--seq", type=int, default=64)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=7)
    parser.add_argument("--new-tokens", type=int, default=64)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = Model(args.vocab, args.d_model, args.layers, args.heads, args.seq)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    ids = torch.randint(0, args.vocab, (args.batch, args.seq))

    def step():
        logits = model(ids[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, args.vocab), ids[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(2):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)

    def sample(batch):
        seq = torch.zeros((batch, 1), dtype=torch.long)
        new = min(args.new_tokens, args.seq - 1)
        with torch.no_grad():
            start = time.perf_counter()
            for _ in range(new):
                logits = model(seq)[:, -1, :]
                seq = torch.cat([seq, logits.argmax(dim=-1, keepdim=True)], dim=1)
            elapsed = time.perf_counter() - start
        return batch * new / elapsed

    sample(1)
    result = {
        "trainStepMs": statistics.median(times),
        "samplingTokensPerSecBatch1": sample(1),
        "samplingTokensPerSec": sample(args.batch),
        "torchVersion": torch.__version__,
        "blas": os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
