#!/usr/bin/python3
"""linreg_python.py - the usual alternative to cipred.linreg: fetch the rows
with psycopg2 into numpy and fit scikit-learn's LinearRegression, end to end
(Debian python3-psycopg2, python3-numpy, python3-sklearn).  Prints seconds.

    linreg_python.py DBNAME TABLE
"""
import sys
import time

import numpy as np
import psycopg2
from sklearn.linear_model import LinearRegression

t0 = time.perf_counter()
conn = psycopg2.connect(dbname=sys.argv[1])
cur = conn.cursor(name="fetch")          # server-side cursor, fetched in chunks
cols = ", ".join("c%d" % j for j in range(1, 17))
cur.execute("SELECT y, %s FROM %s" % (cols, sys.argv[2]))
chunks = []
while True:
    rows = cur.fetchmany(200000)
    if not rows:
        break
    chunks.append(np.asarray(rows, dtype=np.float64))
data = np.vstack(chunks)
model = LinearRegression().fit(data[:, 1:], data[:, 0])
conn.close()
print("%.3f %d %.6g" % (time.perf_counter() - t0, data.shape[0], model.intercept_))
