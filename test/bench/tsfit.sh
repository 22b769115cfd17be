#!/usr/bin/env bash
# tsfit.sh - time-series fits, inside pg_virtualenv: 10,000 monthly series of
# 200 points (synthetic, made in SQL) fitted and forecast 18 steps in one
# statement per method, serial and with 2 parallel workers; per-series times
# set beside R's (fit_s of r_reference.csv, forecast 8.20 on this class of
# machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh
. test/bench/lib.sh

DB=cipred_bench_ts
NS=${CIPRED_BENCH_SERIES:-10000}
createdb "$DB"
cipred_psql -d "$DB" <<SQL
CREATE EXTENSION cipred;
CREATE TABLE monthly AS
SELECT s, (timestamptz '2000-01-01' + (i || ' months')::interval) AS ts,
       100 + s % 50 + 0.5 * i + 10 * sin(2 * pi() * i / 12) + 5 * sin(s * i) AS y
FROM generate_series(1, $NS) s, generate_series(0, 199) i;
ALTER TABLE monthly SET (parallel_workers = 2);
VACUUM ANALYZE monthly;
CREATE TEMP TABLE r_ref (series text, period int, h int, method text, smape float8, mase float8, fit_s float8);
SQL
psql -X -q -d "$DB" -c "\\copy r_ref FROM 'test/data/r_reference.csv' CSV HEADER" 2>/dev/null || true

SER="SET max_parallel_workers_per_gather = 0"
PAR="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET min_parallel_table_scan_size = 0"
echo
echo "time-series fits: $NS monthly series x 200 points, forecast 18 steps, runs: $RUNS (medians)"
printf '%-44s %10s %14s %22s\n' "method" "ms" "ms per series" "R forecast 8.20 per series"
for m in snaive naive drift mean ses holt holt_damped hw hw_damped theta; do
	q="SELECT count(*) FROM (SELECT s, cipred.fit(ts, y, '$m') AS m FROM monthly GROUP BY s) x, cipred.forecast(x.m, 18) f"
	ser=$(median_ms "$DB" "$SER" "$q")
	par=$(median_ms "$DB" "$PAR" "$q")
	# R's median fit_s over the monthly shared series for the same method
	r=$(awk -F, -v m="$m" '$2 == 12 && $4 == m {print $7}' test/data/r_reference.csv | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)] * 1000; else print "-"}')
	printf '%-44s %10.1f %14.4f %22s\n' "$m, serial" "$ser" "$(ratio "$ser" "$NS")" "${r} ms"
	printf '%-44s %10.1f %14.4f\n' "$m, 2 parallel workers" "$par" "$(ratio "$par" "$NS")"
done

# across many series the fits run in parallel when the table is partitioned
# by series: each worker aggregates whole partitions (partitionwise)
cipred_psql -d "$DB" <<SQL
CREATE TABLE monthly_p (s int, ts timestamptz, y float8) PARTITION BY HASH (s);
CREATE TABLE monthly_p0 PARTITION OF monthly_p FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE monthly_p1 PARTITION OF monthly_p FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE monthly_p2 PARTITION OF monthly_p FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE monthly_p3 PARTITION OF monthly_p FOR VALUES WITH (MODULUS 4, REMAINDER 3);
INSERT INTO monthly_p SELECT * FROM monthly;
VACUUM ANALYZE monthly_p;
SQL
q="SELECT count(*) FROM (SELECT s, cipred.fit(ts, y, 'theta') AS m FROM monthly_p GROUP BY s) x, cipred.forecast(x.m, 18) f"
pser=$(median_ms "$DB" "$SER; SET enable_partitionwise_aggregate = on" "$q")
ppar=$(median_ms "$DB" "$PAR; SET enable_partitionwise_aggregate = on" "$q")
printf '%-44s %10.1f %14.4f\n' "theta, 4 hash partitions, serial" "$pser" "$(ratio "$pser" "$NS")"
printf '%-44s %10.1f %14.4f  (speed-up %.2fx)\n' "theta, 4 hash partitions, 2 workers" "$ppar" "$(ratio "$ppar" "$NS")" "$(ratio "$pser" "$ppar")"
dropdb "$DB"
