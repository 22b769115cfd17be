#!/usr/bin/python3
"""make_sklearn_ridge.py - reference ridge, elastic net and lasso
coefficients from scikit-learn (Debian python3-sklearn 1.2.1), computed once,
offline:

    /usr/bin/python3 test/reference/make_sklearn_ridge.py test/data > test/data/sklearn_ridge.csv

Ridge(alpha=lambda) minimises |y - X b - b0|^2 + lambda |b|^2 with the
intercept not penalised, as cipred.linreg with options {"lambda": lambda}.
ElasticNet(alpha, l1_ratio) and Lasso(alpha) minimise
1/(2n) |y - X b - b0|^2 + alpha l1_ratio |b|_1 + alpha (1 - l1_ratio)/2 |b|^2,
as cipred.linreg with {"method": "elasticnet", "alpha": ..., "l1_ratio": ...};
the "lambda" column holds alpha there, and tol is tight (1e-14) so that the
reference is converged.
Features: kms, PetrolPrice, law, m2..m12 of the shared seatbelts data;
weights kms / mean(kms) for the weighted fit.
"""
import csv
import sys
import warnings

from sklearn.exceptions import ConvergenceWarning

import numpy as np
from sklearn.linear_model import ElasticNet, Lasso, Ridge

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
for alpha, l1 in ((0.5, 0.5), (5.0, 0.5), (0.05, 0.9)):
    for weighted in (False, True):
        r = ElasticNet(alpha=alpha, l1_ratio=l1, tol=1e-14, max_iter=10**7)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            try:
                r.fit(X, y, sample_weight=w if weighted else None)
            except ConvergenceWarning:
                sys.stderr.write("not converged, left out: %g %g %s\n" % (alpha, l1, weighted))
                continue
        model = "enet%g_%g%s" % (alpha, l1, "_weighted" if weighted else "")
        out.writerow([model, alpha, "(Intercept)", repr(float(r.intercept_))])
        for n, c in zip(names, r.coef_):
            out.writerow([model, alpha, n, repr(float(c))])
r = Lasso(alpha=2.0, tol=1e-14, max_iter=10**7).fit(X, y)
out.writerow(["lasso2", 2.0, "(Intercept)", repr(float(r.intercept_))])
for n, c in zip(names, r.coef_):
    out.writerow(["lasso2", 2.0, n, repr(float(c))])
