"""Fixture for leaderboard.test.ts: a FastChat-style battle file and FastChat's Bradley-Terry ratings.

Run:  /usr/bin/python3 fastchat-battles.py
(Debian python3-numpy + python3-scipy; no pandas). Writes

- fastchat-battles.json: 240 seeded battles among 6 models in the shape of FastChat's
  clean_battle_*.json (question_id, model_a, model_b, winner, judge, conversation_a/b, turn, anony,
  language, tstamp), dumped as FastChat does: json.dump(battles, f, indent=2, ensure_ascii=False).
- fastchat-reference.json: the ratings FastChat's fastchat/serve/monitor/elo_analysis.py reports for
  it, recomputed independently here following its code path (no bootstrap): the row filters of
  report_elo_analysis_results (langs, exclude_models, then anony only, then exclude_tie), the
  unique (model_a, model_b, outcome) schedule with counts of preprocess_for_bt, and fit_bt's
  weighted logistic loss (a tie is half a win) minimised by scipy L-BFGS-B from zero with
  base 10, then 400 * rating + 1000 (scale_and_offset; no baseline model among these names).
  L-BFGS-B is run to gtol 1e-12 (FastChat stops at 1e-6 / 100 iterations) so the reference is the
  maximum-likelihood estimate itself.
"""
import json
import math
import os

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240501)
models = ["alpaca-13b", "chatglm-6b", "claude-1", "gpt-4", "koala-13b", "vicuna-13b"]
strength = {"alpaca-13b": -0.4, "chatglm-6b": -0.7, "claude-1": 0.6, "gpt-4": 1.1, "koala-13b": -0.1, "vicuna-13b": 0.2}
languages = ["English", "German", "Chinese"]

battles = []
for k in range(240):
    a, b = rng.choice(len(models), size=2, replace=False)
    ma, mb = models[a], models[b]
    p = 1 / (1 + math.exp(-(strength[ma] - strength[mb])))
    u = rng.random()
    if u < 0.15:
        winner = "tie" if rng.random() < 0.5 else "tie (bothbad)"
    else:
        winner = "model_a" if rng.random() < p else "model_b"
    battles.append(
        dict(
            question_id=f"q{k:04d}",
            model_a=ma,
            model_b=mb,
            winner=winner,
            judge=f"arena_user_{int(rng.integers(1000))}",
            conversation_a=[{"role": "user", "content": f"Q{k}: \"q\" [x] {{y}} \\ ü]}}"}],
            conversation_b=[{"role": "assistant", "content": "a\nb"}],
            turn=1,
            anony=bool(rng.random() < 0.7),
            language=languages[int(rng.integers(3))],
            tstamp=1_700_000_000.0 + 37.5 * k,
        )
    )

with open(os.path.join(here, "fastchat-battles.json"), "w") as f:
    json.dump(battles, f, indent=2, ensure_ascii=False)


def fastchat_ratings(rows, langs=(), exclude_models=(), exclude_tie=False):
    if len(langs) > 0:
        rows = [r for r in rows if r["language"] in langs]
    rows = [r for r in rows if r["model_a"] not in exclude_models and r["model_b"] not in exclude_models]
    rows = [r for r in rows if r["anony"]]
    if exclude_tie:
        rows = [r for r in rows if "tie" not in r["winner"]]
    names = sorted({r["model_a"] for r in rows} | {r["model_b"] for r in rows})
    index = {m: i for i, m in enumerate(names)}
    outcome = {"model_a": 2, "model_b": 0, "tie": 1, "tie (bothbad)": 1}
    schedule = np.array([[index[r["model_a"]], index[r["model_b"]], outcome[r["winner"]]] for r in rows])
    unique, counts = np.unique(schedule, return_counts=True, axis=0)
    matchups = unique[:, :2]
    outcomes = unique[:, 2] / 2.0
    weights = counts.astype(np.float64)
    alpha = math.log(10.0)

    def loss_and_grad(r):
        logits = alpha * (r[matchups[:, 0]] - r[matchups[:, 1]])
        p = expit(logits)
        loss = -np.sum((np.log(p) * outcomes + np.log(1 - p) * (1 - outcomes)) * weights)
        g = -alpha * (outcomes - p) * weights
        grad = np.zeros_like(r)
        np.add.at(grad, matchups[:, 0], g)
        np.add.at(grad, matchups[:, 1], -g)
        return loss, grad

    result = minimize(loss_and_grad, np.zeros(len(names)), jac=True, method="L-BFGS-B",
                      options={"maxiter": 10_000, "gtol": 1e-12, "ftol": 1e-15})
    assert result.success and np.max(np.abs(result.x)) < 2, "the maximum-likelihood estimate must exist"
    ratings = 400 * result.x + 1000
    battles_per_model = {m: sum(1 for r in rows if m in (r["model_a"], r["model_b"])) for m in names}
    return {
        "battles": len(rows),
        "ratings": {m: float(ratings[index[m]]) for m in names},
        "numBattles": battles_per_model,
    }


reference = {
    "producedBy": f"/usr/bin/python3 fastchat-battles.py (numpy {np.__version__}, scipy L-BFGS-B)",
    "anonyOnly": fastchat_ratings(battles),
    "filtered": {
        "options": {"langs": ["English", "German"], "excludeModels": ["koala-13b"], "excludeTies": True},
        **fastchat_ratings(battles, langs=("English", "German"), exclude_models=("koala-13b",), exclude_tie=True),
    },
}
with open(os.path.join(here, "fastchat-reference.json"), "w") as f:
    json.dump(reference, f, indent=2)
    f.write("\n")
