#!/usr/bin/python3
"""make_sklearn_ridge.py - reference ridge coefficients from scikit-learn's
Ridge (Debian python3-sklearn 1.2.1), computed once, offline:

    /usr/bin/python3 test/reference/make_sklearn_ridge.py test/data > test/data/sklearn_ridge.csv

Ridge(alpha=lambda) minimises |y - X b - b0|^2 + lambda |b|^2 with the
intercept not penalised, as cipred.linreg with options {"lambda": lambda}.
Features: kms, PetrolPrice, law, m2..m12 of the shared seatbelts data;
weights kms / mean(kms) for the weighted fit.
"""
import csv
import sys

import numpy as np
from sklearn.linear_model import Ridge

rows = list(csv.DictReader(open(sys.argv[1] + "/seatbelts.csv")))
month = np.array([int(r["ts"][5:7]) for r in rows])
X = np.column_stack([[float(r["kms"]) for r in rows],
                     [float(r["PetrolPrice"]) for r in rows],
                     [float(r["law"]) for r in rows]] +
                    [(month == m).astype(float) for m in range(2, 13)])
y = np.array([float(r["DriversKilled"]) for r in rows])
w = X[:, 0] / X[:, 0].mean()
names = ["kms", "PetrolPrice", "law"] + ["m%d" % m for m in range(2, 13)]

out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["model", "lambda", "term", "estimate"])
for lam in (0.5, 50.0):
    for weighted in (False, True):
        r = Ridge(alpha=lam, solver="cholesky", tol=1e-12)
        r.fit(X, y, sample_weight=w if weighted else None)
        model = "ridge_weighted" if weighted else "ridge"
        out.writerow([model, lam, "(Intercept)", repr(float(r.intercept_))])
        for n, c in zip(names, r.coef_):
            out.writerow([model, lam, n, repr(float(c))])
