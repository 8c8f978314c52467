"""Independent maximum-likelihood reference for fit-bradley-terry.test.ts.

Run:  /usr/bin/python3 bradley-terry-reference.py > bradley-terry-reference.json
(Debian python3-numpy + python3-scipy). Minimises the negative log-likelihood directly with
scipy.optimize.minimize (BFGS, analytic gradient, gtol 1e-10), with the last model's θ fixed at 0
(ridge: all θ free), then centres θ to sum zero. A code path separate from the Newton solver under
test (quasi-Newton on a different parameterisation).
"""
import json
import os

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "baseball-1987.json")) as f:
    data = json.load(f)

models = sorted({g[0] for g in data["games"]} | {g[1] for g in data["games"]})
index = {m: i for i, m in enumerate(models)}
n = len(models)
home = np.array([index[g[0]] for g in data["games"]])
away = np.array([index[g[1]] for g in data["games"]])
home_wins = np.array([g[2] for g in data["games"]], dtype=float)
away_wins = np.array([g[3] for g in data["games"]], dtype=float)


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def bt_loglik(theta):
    d = theta[home] - theta[away]
    return float(np.sum(home_wins * log_sigmoid(d) + away_wins * log_sigmoid(-d)))


def bt_grad(theta):
    d = theta[home] - theta[away]
    g_d = home_wins - (home_wins + away_wins) * expit(d)
    g = np.zeros(n)
    np.add.at(g, home, g_d)
    np.add.at(g, away, -g_d)
    return g


def bt_fit(ridge):
    if ridge == 0:
        expand = lambda free: np.append(free, 0.0)
        f = lambda free: -bt_loglik(expand(free))
        jac = lambda free: -bt_grad(expand(free))[:-1]
        x0 = np.zeros(n - 1)
    else:
        expand = lambda th: th
        f = lambda th: -(bt_loglik(th) - 0.5 * ridge * np.sum(th**2))
        jac = lambda th: -(bt_grad(th) - ridge * th)
        x0 = np.zeros(n)
    res = minimize(f, x0, jac=jac, method="BFGS", options={"gtol": 1e-10, "maxiter": 10000})
    theta = expand(res.x)
    theta = theta - theta.mean()
    return theta, bt_loglik(theta), res


theta0, ll0, res0 = bt_fit(0.0)
theta1, ll1, res1 = bt_fit(2.0)

tt = data["tieTable"]
tmodels = tt["models"]
tindex = {m: i for i, m in enumerate(tmodels)}
tn = len(tmodels)
ta = np.array([tindex[r[0]] for r in tt["rows"]])
tb = np.array([tindex[r[1]] for r in tt["rows"]])
wa = np.array([r[2] for r in tt["rows"]], dtype=float)
wb = np.array([r[3] for r in tt["rows"]], dtype=float)
wt = np.array([r[4] for r in tt["rows"]], dtype=float)


def davidson_negll(params):
    # P(a) = π_a / (π_a + π_b + ν √(π_a π_b)), P(tie) = ν √(π_a π_b) / (...), π = exp θ
    theta = np.append(params[: tn - 1], 0.0)
    nu = np.exp(params[tn - 1])
    pa = np.exp(theta[ta])
    pb = np.exp(theta[tb])
    tie = nu * np.sqrt(pa * pb)
    denom = pa + pb + tie
    return -float(np.sum(wa * np.log(pa / denom) + wb * np.log(pb / denom) + wt * np.log(tie / denom)))


res2 = minimize(davidson_negll, np.zeros(tn), method="Nelder-Mead",
                options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 200000, "maxfev": 200000})
res2 = minimize(davidson_negll, res2.x, method="BFGS", options={"gtol": 1e-9})
dtheta = np.append(res2.x[: tn - 1], 0.0)
dtheta = dtheta - dtheta.mean()

out = {
    "producedBy": "/usr/bin/python3 bradley-terry-reference.py (numpy %s; scipy.optimize.minimize BFGS / Nelder-Mead)" % np.__version__,
    "models": models,
    "theta": theta0.tolist(),
    "logLikelihood": ll0,
    "ridge": 2.0,
    "thetaRidge": theta1.tolist(),
    "logLikelihoodRidge": ll1,
    "davidson": {"models": tmodels, "theta": dtheta.tolist(), "nu": float(np.exp(res2.x[tn - 1])), "logLikelihood": -float(res2.fun)},
    "gradientNorms": [float(np.linalg.norm(res0.jac)), float(np.linalg.norm(res1.jac))],
}
print(json.dumps(out, indent=2))
