#!/usr/bin/env bash
# guard.sh - the cost of a guard, inside pg_virtualenv: COPY of
# CIPRED_BENCH_GUARD_ROWS rows (default 1,000,000) into a table guarded with
# the grid, range and duplicate rules (reject mode: the unique index refuses
# duplicates) against the same COPY into the same table unguarded with the
# same unique index; medians of RUNS, side by side; then the concurrent
# no-loss load at full size (8 clients x 20,000 rows, quarantine mode).
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh
. test/bench/lib.sh

DB=cipred_bench_guard
N=${CIPRED_BENCH_GUARD_ROWS:-1000000}
CSV=$CIPRED_TMP/cipred_bench_guard.csv
createdb "$DB"
cipred_psql -d "$DB" >/dev/null <<SQL
CREATE EXTENSION cipred;
CREATE TABLE src AS
SELECT 'm' || (i % 1000) AS meter, timestamptz '2024-01-01' + (i / 1000) * interval '30 minutes' AS ts,
       (i % 97)::float8 AS kwh
FROM generate_series(1, $N) i;
CREATE TABLE plain (meter text, ts timestamptz, kwh float8);
CREATE UNIQUE INDEX ON plain (meter, ts);
CREATE TABLE guarded (meter text, ts timestamptz, kwh float8);
SELECT cipred.guard('guarded', 'ts', '{meter}', '{kwh}', '30 minutes', '{"min": 0, "max": 1000}');
SQL
psql -X -q -d "$DB" -c "\\copy src TO '$CSV' WITH (FORMAT csv)"

# one COPY into a table, emptied first: wall ms
copy_once() {
	psql -X -q -d "$DB" -c "TRUNCATE $1" >/dev/null
	psql -X -q -d "$DB" -c "CHECKPOINT" >/dev/null
	psql -X -q -At -d "$DB" -c '\timing on' -c "\\copy $1 FROM '$CSV' WITH (FORMAT csv)" |
		sed -n -E 's/^Time: ([0-9.]+) ms.*/\1/p'
}
echo
echo "guard: COPY of $N rows, runs: $RUNS pairs, interleaved (this VM's disk is noisy: medians)"
pairs=()
for _ in $(seq 1 "$RUNS"); do
	p=$(copy_once plain)
	g=$(copy_once guarded)
	pairs+=("$p $g")
done
plain=$(printf '%s\n' "${pairs[@]}" | awk '{print $1}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
guarded=$(printf '%s\n' "${pairs[@]}" | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
ratio_med=$(printf '%s\n' "${pairs[@]}" | awk '{print $2 / $1}' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
printf '%-52s %10.1f ms\n' "COPY into the table with its unique index" "$plain"
printf '%-52s %10.1f ms\n' "COPY into the guarded table (grid, range, duplicates)" "$guarded"
printf '%-52s %10.2fx  (target at most 1.3x)\n' "median of the paired ratios guarded / plain" "$ratio_med"
rm -f "$CSV"
dropdb "$DB"

export CIPRED_RESULTS=${CIPRED_RESULTS:-/dev/null}
t0=$(date +%s%N)
CIPRED_GUARD_ROWS=20000 bash test/cluster/guard_load.sh | sed 's/^/  /'
t1=$(date +%s%N)
printf 'concurrent load, 8 clients x 20,000 rows in quarantine mode: %.1f s\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print (b - a) / 1e9}')"
