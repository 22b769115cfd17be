#!/usr/bin/env bash
# in_cluster.sh - the benchmark queries, inside pg_virtualenv.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

. test/bench/lib.sh

ROWS=${CIPRED_BENCH_ROWS:-5000000}
DB=cipred_bench
createdb "$DB"
cipred_psql -d "$DB" <<SQL
CREATE EXTENSION cipred;
CREATE TABLE fc AS
SELECT i % 1000 AS s, 100 + 10 * sin(i / 50.0) + (i % 13) AS a,
       100 + 10 * sin(i / 50.0) + (i % 11) - 3 AS f,
       timestamptz '2000-01-01' + i * interval '1 minute' AS ts
FROM generate_series(1, $ROWS) i;
VACUUM ANALYZE fc;
SQL

SER="SET max_parallel_workers_per_gather = 0"
PAR="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET min_parallel_table_scan_size = 0"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "rows: $ROWS, runs: $RUNS (medians)"
printf '%-44s %10s %10s\n' "query" "ms" "ratio"

report() {  # report LABEL SETTINGS QUERY BASELINE_MS
	local ms
	ms=$(median_ms "$DB" "$2" "$3")
	printf '%-44s %10.1f %10.2f\n' "$1" "$ms" "$(awk -v a="$ms" -v b="$4" 'BEGIN{print a/b}')"
}

floor=$(median_ms "$DB" "$SER" "SELECT count(*) FROM fc")
printf '%-44s %10.1f %10s\n' "scan floor: count(*)" "$floor" "1.00"
report "built-in avg(abs(a - f))" "$SER" "SELECT avg(abs(a - f)) FROM fc" "$floor"
report "cipred.mae(a, f)" "$SER" "SELECT cipred.mae(a, f) FROM fc" "$floor"
report "built-in sqrt(avg((a - f)^2))" "$SER" "SELECT sqrt(avg((a - f)^2)) FROM fc" "$floor"
report "cipred.rmse(a, f)" "$SER" "SELECT cipred.rmse(a, f) FROM fc" "$floor"
report "cipred.smape(a, f)" "$SER" "SELECT cipred.smape(a, f) FROM fc" "$floor"
report "cipred.winkler(a, f - 5, f + 5, 95)" "$SER" "SELECT cipred.winkler(a, f - 5, f + 5, 95) FROM fc" "$floor"
report "cipred.mae(a, f) GROUP BY s (1000 groups)" "$SER" "SELECT s, cipred.mae(a, f) FROM fc GROUP BY s" "$floor"
report "cipred.mase_scale(ts, a, 1440) GROUP BY s" "$SER" "SELECT s, cipred.mase_scale(ts, a, 1440) FROM fc GROUP BY s" "$floor"
par=$(median_ms "$DB" "$PAR" "SELECT cipred.mae(a, f) FROM fc")
ser=$(median_ms "$DB" "$SER" "SELECT cipred.mae(a, f) FROM fc")
printf '%-44s %10.1f %10.2f  (speed-up over serial: %.2fx)\n' "cipred.mae(a, f), 2 parallel workers" "$par" "$(awk -v a="$par" -v b="$floor" 'BEGIN{print a/b}')" "$(awk -v a="$ser" -v b="$par" 'BEGIN{print a/b}')"
# moving windows: cipred's inverse transition against built-in avg(), which
# has none for float8 and recomputes each window (100k rows, 1-day window)
MOV="FROM fc WHERE ts < timestamptz '2000-01-01' + interval '100000 minutes') x"
mc=$(median_ms "$DB" "$SER" "SELECT count(m) FROM (SELECT cipred.mae(a, f) OVER (ORDER BY ts ROWS 1439 PRECEDING) m $MOV")
mb=$(median_ms "$DB" "$SER" "SELECT count(m) FROM (SELECT avg(abs(a - f)) OVER (ORDER BY ts ROWS 1439 PRECEDING) m $MOV")
printf '%-44s %10.1f\n' "moving cipred.mae, 1440-row window, 100k" "$mc"
printf '%-44s %10.1f %10.2f  (built-in / cipred)\n' "moving avg(abs(a - f)), same window" "$mb" "$(awk -v a="$mb" -v b="$mc" 'BEGIN{print a/b}')"
report "folds: 100k half-hourly origins" "$SER" "SELECT count(*) FROM cipred.folds('2000-01-01', '2010-01-01', '30 minutes', '1 day', step => '30 minutes', n_folds => 100000)" "$floor"
dropdb "$DB"

bash test/bench/linreg.sh
bash test/bench/tsfit.sh
bash test/bench/ets.sh
bash test/bench/guard.sh
bash test/bench/backtest.sh
