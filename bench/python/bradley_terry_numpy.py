"""Bradley-Terry leaderboard the strong numpy way, timed: the baseline of bench case `bradley-terry`.

What a careful numpy user writes (and what @prefplay/preference does), so the comparison is like
with like:
  1. aggregate the battles into per-pair counts once (np.bincount over pair ids): for each
     unordered pair i < j, wins of i, wins of j and ties;
  2. fit the log-strengths θ by Newton's method on the count table (ties as half a win each; the
     null direction θ + c·1 removed by adding c·11ᵀ to the negative Hessian; Cholesky solve;
     step halving if the log-likelihood drops), from θ = 0, until the largest step is < 1e-10;
  3. bootstrap: each round redraws as many battles as observed from the multinomial over the
     per-pair outcome cells (numpy's Generator.multinomial), then refits warm-started from the
     full-data estimate.

Input: a little-endian int32 file of (model_a, model_b, outcome) triples, outcome 0 = model_a,
1 = model_b, 2 = tie. Output (stdout): one JSON object with aggregateMs, fitMs, bootstrapMs,
totalMs (wall), cpuMs (process CPU), iterations (Newton steps of the full fit), ratings (Elo scale).
Usage: /usr/bin/python3 bradley_terry_numpy.py --input battles.bin --models 100 --rounds 100 [--seed 0]
"""

import argparse
import json
import math
import sys
import time

try:
    import numpy as np
    from scipy.linalg import cho_factor, cho_solve
except ImportError as error:  # reported, not raised: the bench skips the baseline
    print(json.dumps({"skipped": f"numpy baseline needs numpy and scipy ({error})"}))
    sys.exit(0)


def aggregate(triples, n):
    a = triples[:, 0].astype(np.int64)
    b = triples[:, 1].astype(np.int64)
    outcome = triples[:, 2]
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    key = lo * n + hi
    # cell 0: the lower index won, 1: the higher index won, 2: tie
    low_won = (outcome == 0) == (a == lo)
    cell = np.where(outcome == 2, 2, np.where(low_won, 0, 1))
    table = np.bincount(key * 3 + cell, minlength=n * n * 3).reshape(n * n, 3)
    present = np.flatnonzero(table.sum(axis=1))
    return present // n, present % n, table[present].astype(np.float64)


def log_likelihood(theta, i, j, a, b):
    x = theta[i] - theta[j]
    return float(-(a * np.logaddexp(0.0, -x)).sum() - (b * np.logaddexp(0.0, x)).sum())


def fit(i, j, cells, n, start=None, tolerance=1e-10, max_iterations=100):
    a = cells[:, 0] + cells[:, 2] / 2
    b = cells[:, 1] + cells[:, 2] / 2
    w = a + b
    theta = np.zeros(n) if start is None else start - start.mean()
    current = log_likelihood(theta, i, j, a, b)
    iterations = 0
    diag = np.arange(n)
    while iterations < max_iterations:
        iterations += 1
        x = theta[i] - theta[j]
        p = 1.0 / (1.0 + np.exp(-x))
        g = a - w * p
        gradient = np.bincount(i, g, n) - np.bincount(j, g, n)
        h = w * p * (1.0 - p)
        hessian = np.zeros((n, n))
        hessian[i, j] = -h
        hessian[j, i] = -h
        hessian[diag, diag] = np.bincount(i, h, n) + np.bincount(j, h, n)
        hessian += hessian[diag, diag].mean()
        step = cho_solve(cho_factor(hessian, lower=True, check_finite=False), gradient, check_finite=False)
        max_step = float(np.abs(step).max())
        t = 5.0 / max_step if max_step > 5 else 1.0
        while True:
            trial = theta + t * step
            value = log_likelihood(trial, i, j, a, b)
            if value >= current - 1e-12 * abs(current) or t < 1e-18:
                break
            t /= 2
        theta = trial
        current = value
        if t * max_step < tolerance:
            break
    return theta, iterations


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--models", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    triples = np.fromfile(args.input, dtype="<i4").reshape(-1, 3)
    n = args.models
    cpu_start = time.process_time()
    start = time.perf_counter()
    i, j, cells = aggregate(triples, n)
    aggregated = time.perf_counter()
    theta, iterations = fit(i, j, cells, n)
    fitted = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    total = int(round(cells.sum()))
    probabilities = (cells / cells.sum()).ravel()
    samples = []
    for _ in range(args.rounds):
        drawn = rng.multinomial(total, probabilities).reshape(-1, 3).astype(np.float64)
        samples.append(fit(i, j, drawn, n, start=theta)[0])
    done = time.perf_counter()
    cpu_done = time.process_time()
    print(
        json.dumps(
            {
                "aggregateMs": (aggregated - start) * 1000,
                "fitMs": (fitted - aggregated) * 1000,
                "bootstrapMs": (done - fitted) * 1000,
                "totalMs": (done - start) * 1000,
                "cpuMs": (cpu_done - cpu_start) * 1000,
                "iterations": iterations,
                "ratings": {f"model-{k:03d}": 1000 + 400 / math.log(10) * float(v) for k, v in enumerate(theta)},
            }
        )
    )


if __name__ == "__main__":
    main()
