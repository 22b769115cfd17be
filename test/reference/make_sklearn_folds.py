#!/usr/bin/python3
"""make_sklearn_folds.py - reference fold boundaries from scikit-learn's
TimeSeriesSplit (Debian python3-sklearn), computed once, offline:

    /usr/bin/python3 test/reference/make_sklearn_folds.py > test/data/sklearn_folds.csv

TimeSeriesSplit(n_splits, test_size, gap, max_train_size) defines the same
folds as cipred.fold_positions(n, horizon => test_size, step => test_size,
n_folds => n_splits, gap => gap, window_size => max_train_size) when every
fold has at least max_train_size training points (sklearn caps the training
length, cipred's window_size fixes it).  Positions are written 1-based.
"""
import csv
import sys

import numpy as np
from sklearn.model_selection import TimeSeriesSplit

CONFIGS = [
    # (config, n, n_splits, test_size, gap, max_train_size)
    (1, 144, 3, 18, 0, None),      # AirPassengers, h = 18
    (2, 144, 5, 12, 2, None),      # with an embargo
    (3, 144, 4, 6, 0, 60),         # sliding window of 5 years
    (4, 4032, 7, 48, 0, None),     # taylor half-hourly, one day ahead
    (5, 4032, 7, 48, 48, 2016),    # taylor, one-day gap, 6-week window
    (6, 100, 10, 1, 0, None),      # one-step-ahead
    (7, 20, 2, 5, 3, 4),
]

w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["config", "n", "n_splits", "test_size", "gap", "max_train_size",
            "fold", "train_start", "train_end", "test_start", "test_end"])
for cfg, n, k, ts, gap, mts in CONFIGS:
    tss = TimeSeriesSplit(n_splits=k, test_size=ts, gap=gap, max_train_size=mts)
    for fold, (tr, te) in enumerate(tss.split(np.arange(n)), start=1):
        assert mts is None or len(tr) == mts, "config %d: window not full" % cfg
        w.writerow([cfg, n, k, ts, gap, "" if mts is None else mts, fold,
                    tr[0] + 1, tr[-1] + 1, te[0] + 1, te[-1] + 1])
