#!/usr/bin/env bash
# linreg.sh - linreg benchmarks, inside pg_virtualenv: the scan floor,
# parallel workers, taking the data out to Python, sliding windows, predict.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh
. test/bench/lib.sh

ROWS=${CIPRED_BENCH_LR_ROWS:-10000000}
DB=cipred_bench_lr
createdb "$DB"
C=$(seq -s, -f 'c%g' 1 16)
cipred_psql -d "$DB" <<SQL
CREATE EXTENSION cipred;
CREATE TABLE lr AS
SELECT i, 3 + $(for j in $(seq 1 16); do printf 'c%d * %d + ' $j $j; done) random() AS y, x.*
FROM generate_series(1, $ROWS) i,
     LATERAL (SELECT $(for j in $(seq 1 16); do printf 'random() * %d + i * 0 AS c%d%s' $j $j "$([ $j -lt 16 ] && echo ,)"; done)) x;
ALTER TABLE lr SET (parallel_workers = 2);
VACUUM ANALYZE lr;
SQL
SER="SET max_parallel_workers_per_gather = 0"
PAR="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET min_parallel_table_scan_size = 0"

echo
echo "linreg: $ROWS rows x 16 features, runs: $RUNS (medians)"
printf '%-52s %10s %10s\n' "query" "ms" "ratio"
floor=$(median_ms "$DB" "$SER" "SELECT sum(y), $(echo $C | sed 's/c\([0-9]*\)/sum(c\1)/g') FROM lr")
printf '%-52s %10.1f %10s\n' "floor: sum over each of the 17 columns" "$floor" "1.00"
fit=$(median_ms "$DB" "$SER" "SELECT cipred.linreg(y, ARRAY[$C]) IS NOT NULL FROM lr")
printf '%-52s %10.1f %10.2f  (target <= 1.5)\n' "cipred.linreg(y, ARRAY[c1..c16])" "$fit" "$(ratio "$fit" "$floor")"
arr=$(median_ms "$DB" "$SER" "SELECT count(ARRAY[$C]), sum(y) FROM lr")
printf '%-52s %10.1f %10.2f  (building the arrays alone)\n' "count(ARRAY[c1..c16]), sum(y)" "$arr" "$(ratio "$arr" "$floor")"
par=$(median_ms "$DB" "$PAR" "SELECT cipred.linreg(y, ARRAY[$C]) IS NOT NULL FROM lr")
printf '%-52s %10.1f %10.2f  (speed-up %.2fx, target >= 1.7)\n' "cipred.linreg, 2 parallel workers" "$par" "$(ratio "$par" "$floor")" "$(ratio "$fit" "$par")"

# taking the data out: psycopg2 + numpy + scikit-learn, end to end
py_s=$(/usr/bin/python3 test/bench/linreg_python.py "$DB" lr | awk '{print $1}')
py=$(awk -v s="$py_s" 'BEGIN{print s * 1000}')
printf '%-52s %10.1f %10.2f  (cipred is %.1fx faster, target >= 10)\n' "psycopg2 -> numpy -> sklearn LinearRegression" "$py" "$(ratio "$py" "$floor")" "$(ratio "$py" "$fit")"

# sliding windows: 10,000 positions (RANGE over 10,000 keys of 100 rows each),
# each a 100-key window, against one full fit over the same 1M rows
cipred_psql -d "$DB" -c "CREATE TABLE sl AS SELECT (i - 1) / 100 AS k, y, $C FROM lr WHERE i <= 1000000" \
	-c "CREATE INDEX ON sl (k)" -c "VACUUM ANALYZE sl"
# the rows come in key order from the index, so the window needs no sort
full=$(median_ms "$DB" "$SER" "SELECT cipred.linreg(y, ARRAY[$C]) IS NOT NULL FROM sl")
slide=$(median_ms "$DB" "$SER; SET enable_sort = off" "SELECT count(m) FROM (SELECT cipred.linreg(y, ARRAY[$C]) OVER (ORDER BY k RANGE BETWEEN 99 PRECEDING AND CURRENT ROW) AS m FROM sl) w")
printf '%-52s %10.1f\n' "one full fit, 1M rows" "$full"
printf '%-52s %10.1f %10.2f  (x one full fit, target <= 3)\n' "10,000 sliding refits over the same rows" "$slide" "$(ratio "$slide" "$full")"

# predict over all rows against the same dot product written inline
m_coef=$(psql -X -q -At -d "$DB" -c "CREATE TABLE fitted AS SELECT cipred.linreg(y, ARRAY[$C]) AS m FROM lr WHERE i <= 100000" \
	-c "SELECT (i->>'intercept_coef') || string_agg(' + ' || (i->'coef'->>(j - 1)) || ' * c' || j, '' ORDER BY j) FROM (SELECT cipred.model_info(m) AS i FROM fitted) f, generate_series(1, 16) j GROUP BY i->>'intercept_coef'")
inline=$(median_ms "$DB" "$SER" "SELECT sum($m_coef) FROM lr")
pred=$(median_ms "$DB" "$SER" "SELECT sum(cipred.predict(m, ARRAY[$C])) FROM lr, fitted")
printf '%-52s %10.1f %10.2f\n' "inline SQL b0 + b1*c1 + ... + b16*c16" "$inline" "$(ratio "$inline" "$floor")"
printf '%-52s %10.1f %10.2f  (x inline, target <= 1.3)\n' "cipred.predict(m, ARRAY[c1..c16])" "$pred" "$(ratio "$pred" "$inline")"

# the same with the features stored as one float8[] column
cipred_psql -d "$DB" -c "CREATE TABLE lra AS SELECT i, y, ARRAY[$C] AS x FROM lr" -c "VACUUM ANALYZE lra"
afloor=$(median_ms "$DB" "$SER" "SELECT count(x), sum(y) FROM lra")
afit=$(median_ms "$DB" "$SER" "SELECT cipred.linreg(y, x) IS NOT NULL FROM lra")
printf '%-52s %10.1f %10s\n' "array column: floor count(x), sum(y)" "$afloor" "1.00"
printf '%-52s %10.1f %10.2f\n' "array column: cipred.linreg(y, x)" "$afit" "$(ratio "$afit" "$afloor")"
ainline=$(median_ms "$DB" "$SER" "SELECT sum($(echo "$m_coef" | sed -E 's/c([0-9]+)/x[\1]/g')) FROM lra")
apred=$(median_ms "$DB" "$SER" "SELECT sum(cipred.predict(m, x)) FROM lra, fitted")
printf '%-52s %10.1f\n' "array column: inline b0 + b1*x[1] + ... + b16*x[16]" "$ainline"
printf '%-52s %10.1f %10.2f  (x inline)\n' "array column: cipred.predict(m, x)" "$apred" "$(ratio "$apred" "$ainline")"
dropdb "$DB"
