"""Bradley-Terry leaderboard the FastChat way, timed, as the baseline of bench case `bradley-terry`.

`compute_mle_elo` and `get_bootstrap_result` follow FastChat's fastchat/serve/monitor/elo_analysis.py:
pivot tables of wins and ties per ordered pair (ties count one point each way, wins two), a
design matrix with +-ln(10) per pair and weighted logistic regression without intercept or
penalty, Elo = 400 * coef + 1000; the bootstrap resamples battles with
`battles.sample(frac=1.0, replace=True)` and refits. FastChat fits with sklearn's
LogisticRegression(lbfgs, tol=1e-6); sklearn is not a Debian dependency here, so the same
objective is minimised with scipy.optimize.minimize(L-BFGS-B) and its exact gradient.

Input: a little-endian int32 file of (model_a, model_b, outcome) triples, outcome 0 = model_a,
1 = model_b, 2 = tie. Output (stdout): one JSON object with fitMs, bootstrapMs, totalMs (wall), cpuMs (process CPU), ratings.
Usage: /usr/bin/python3 bradley_terry.py --input battles.bin --models 100 --rounds 100 [--seed 0]
"""

import argparse
import json
import math
import sys
import time

try:
    import numpy as np
    import pandas as pd
    from scipy.optimize import minimize
except ImportError as error:  # reported, not raised: the bench skips the baseline
    print(json.dumps({"skipped": f"python baseline needs numpy, scipy and pandas ({error})"}))
    sys.exit(0)


def fit_logistic(x, y, sample_weight):
    """Weighted logistic regression without intercept or penalty (sklearn's objective)."""

    def objective(w):
        z = x @ w
        # -[y log s(z) + (1 - y) log s(-z)] = logaddexp(0, z) - y z
        loss = np.logaddexp(0.0, z) - y * z
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
        return float(np.dot(sample_weight, loss)), x.T @ (sample_weight * (p - y))

    w0 = np.zeros(x.shape[1])
    result = minimize(objective, w0, jac=True, method="L-BFGS-B", options={"gtol": 1e-6, "maxiter": 1000})
    return result.x


def compute_mle_elo(df, SCALE=400, BASE=10, INIT_RATING=1000):
    ptbl_a_win = pd.pivot_table(
        df[df["winner"] == "model_a"], index="model_a", columns="model_b", aggfunc="size", fill_value=0
    )
    if sum(df["winner"].isin(["tie", "tie (bothbad)"])) == 0:
        ptbl_tie = pd.DataFrame(0, index=ptbl_a_win.index, columns=ptbl_a_win.columns)
    else:
        ptbl_tie = pd.pivot_table(
            df[df["winner"].isin(["tie", "tie (bothbad)"])],
            index="model_a",
            columns="model_b",
            aggfunc="size",
            fill_value=0,
        )
        ptbl_tie = ptbl_tie + ptbl_tie.T
    ptbl_b_win = pd.pivot_table(
        df[df["winner"] == "model_b"], index="model_a", columns="model_b", aggfunc="size", fill_value=0
    )
    ptbl_win = ptbl_a_win * 2 + ptbl_b_win.T * 2 + ptbl_tie

    models = pd.Series(np.arange(len(ptbl_win.index)), index=ptbl_win.index)
    p = len(models)
    X = np.zeros([p * (p - 1) * 2, p])
    Y = np.zeros(p * (p - 1) * 2)
    cur_row = 0
    sample_weights = []
    for m_a in ptbl_win.index:
        for m_b in ptbl_win.columns:
            if m_a == m_b:
                continue
            if math.isnan(ptbl_win.loc[m_a, m_b]) or math.isnan(ptbl_win.loc[m_b, m_a]):
                continue
            X[cur_row, models[m_a]] = +math.log(BASE)
            X[cur_row, models[m_b]] = -math.log(BASE)
            Y[cur_row] = 1.0
            sample_weights.append(ptbl_win.loc[m_a, m_b])
            X[cur_row + 1, models[m_a]] = math.log(BASE)
            X[cur_row + 1, models[m_b]] = -math.log(BASE)
            Y[cur_row + 1] = 0.0
            sample_weights.append(ptbl_win.loc[m_b, m_a])
            cur_row += 2
    X = X[:cur_row]
    Y = Y[:cur_row]
    coef = fit_logistic(X, Y, np.asarray(sample_weights, dtype=float))
    elo_scores = SCALE * coef + INIT_RATING
    return pd.Series(elo_scores, index=models.index).sort_values(ascending=False)


def get_bootstrap_result(battles, func_compute_elo, num_round, seed):
    rows = []
    np.random.seed(seed)
    for _ in range(num_round):
        rows.append(func_compute_elo(battles.sample(frac=1.0, replace=True)))
    df = pd.DataFrame(rows)
    return df[df.median().sort_values(ascending=False).index]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--models", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    triples = np.fromfile(args.input, dtype="<i4").reshape(-1, 3)
    names = np.array([f"model-{i:03d}" for i in range(args.models)], dtype=object)
    labels = np.array(["model_a", "model_b", "tie"], dtype=object)
    battles = pd.DataFrame(
        {"model_a": names[triples[:, 0]], "model_b": names[triples[:, 1]], "winner": labels[triples[:, 2]]}
    )
    start = time.perf_counter()
    cpu_start = time.process_time()
    elo = compute_mle_elo(battles)
    fitted = time.perf_counter()
    get_bootstrap_result(battles, compute_mle_elo, args.rounds, args.seed)
    done = time.perf_counter()
    cpu_done = time.process_time()
    print(
        json.dumps(
            {
                "fitMs": (fitted - start) * 1000,
                "bootstrapMs": (done - fitted) * 1000,
                "totalMs": (done - start) * 1000,
                "cpuMs": (cpu_done - cpu_start) * 1000,
                "ratings": {name: float(value) for name, value in elo.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
