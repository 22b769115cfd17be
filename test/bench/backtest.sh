#!/usr/bin/env bash
# backtest.sh - cipred.backtest inside pg_virtualenv: ETS and ARIMA over the
# six monthly shared series x 6 folds, serial against parallel workers for
# the fits (medians), and the automatic forecast of the ten shared series.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh
. test/bench/lib.sh

DB=cipred_bench_bt
createdb "$DB"
cipred_psql -d "$DB" <<SQL
CREATE EXTENSION cipred;
CREATE TABLE series (series text, ts timestamptz, period int, value float8);
SQL
psql -X -q -d "$DB" -c "\\copy series FROM 'test/data/series.csv' CSV HEADER"

q="SELECT count(*) FROM cipred.backtest('(SELECT * FROM series WHERE period = 12)', 'series', 'ts', 'value', '[\"ets\", \"arima\"]', 18, '{\"n_folds\": 6, \"step\": 6}')"
RUNS_SAVED=$RUNS
RUNS=3
ser=$(median_ms "$DB" "SET max_parallel_workers_per_gather = 0" "$q")
one=$(median_ms "$DB" "SET max_parallel_workers_per_gather = 1" "$q")
two=$(median_ms "$DB" "SET max_parallel_workers_per_gather = 2" "$q")
a=$(median_ms "$DB" "SET max_parallel_workers_per_gather = 2" \
	"SELECT count(*) FROM (SELECT series FROM series WHERE series <> 'taylor' GROUP BY series) s, cipred.auto_forecast(format('(SELECT * FROM series WHERE series = %L)', s.series), 'series', 'ts', 'value', 12) a")
RUNS=$RUNS_SAVED
echo
echo "backtest: ets + arima, 6 monthly series x 6 folds x 18 steps (medians of 3)"
printf '%-44s %10.1f ms\n' "serial" "$ser"
printf '%-44s %10.1f ms  (speed-up %.2fx)\n' "1 parallel worker" "$one" "$(ratio "$ser" "$one")"
printf '%-44s %10.1f ms  (speed-up %.2fx)\n' "2 parallel workers" "$two" "$(ratio "$ser" "$two")"
printf '%-44s %10.1f ms  (%.0f ms per series)\n' "auto_forecast, 10 shared series, 12 steps" "$a" "$(ratio "$a" 10)"
dropdb "$DB"
