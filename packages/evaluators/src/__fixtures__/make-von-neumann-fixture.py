# Produces von-neumann-scipy.json: random constant-sum preference matrices (numpy seed 7) and their
# maximin policies solved by scipy.optimize.linprog (HiGHS), an implementation independent of ours.
# Run: /usr/bin/python3 make-von-neumann-fixture.py > von-neumann-scipy.json
import json

import numpy as np
from scipy.optimize import linprog

rng = np.random.default_rng(7)
cases = []
for n in (3, 5, 7, 9):
    upper = rng.uniform(0.0, 1.0, size=(n, n))
    m = np.full((n, n), 0.5)
    for i in range(n):
        for j in range(i + 1, n):
            m[i, j] = round(float(upper[i, j]), 6)
            m[j, i] = 1.0 - m[i, j]
    # variables (p_1..p_n, v): minimise -v s.t. v - sum_i p_i M_ij <= 0, sum p = 1, p >= 0
    c = np.zeros(n + 1)
    c[-1] = -1.0
    a_ub = np.hstack([-m.T, np.ones((n, 1))])
    b_ub = np.zeros(n)
    a_eq = np.hstack([np.ones((1, n)), np.zeros((1, 1))])
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0],
                  bounds=[(0, None)] * n + [(None, None)], method="highs")
    assert res.status == 0
    cases.append({"matrix": m.tolist(), "policy": res.x[:n].tolist(), "value": float(res.x[-1])})
print(json.dumps({"note": "scipy.optimize.linprog (HiGHS), numpy default_rng(7)", "cases": cases}))
