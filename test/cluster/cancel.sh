#!/usr/bin/env bash
# cancel.sh - long fits honour cancellation: a statement_timeout ends a
# 300,000-point ARIMA fit, a 1,000,000-point MSTL fit and a 1,000,000-point
# automatic ETS fit within a fraction of a second of the timeout, with
# SQLSTATE 57014, and pg_terminate_backend ends a backend in the middle of
# an ARIMA fit at once.
# Before, the C core never looked at interrupts; on the 2-core test VM this
# test then measured 10.0 s (ARIMA, 1 s timeout), 4.3 s (MSTL, 2 s), 2.7 s
# (ETS, 1 s) and 9.7 s for pg_terminate_backend.  The bound is generous
# (timeout + 1.5 s) for a busy machine.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

DB=cipred_cancel
dropdb --if-exists "$DB" 2>/dev/null; createdb "$DB"
cipred_psql -d "$DB" >/dev/null <<'SQL'
CREATE EXTENSION cipred;
-- deterministic series: an AR(1) with a daily cycle, on hourly and minute grids
CREATE TABLE big (i int, ts timestamptz, y float8);
INSERT INTO big
SELECT i, '2020-01-01'::timestamptz + i * interval '1 minute',
       100 + 10 * sin(i * 2 * pi() / 1440) + 5 * sin(i * 2 * pi() / 60) + ((i::bigint * 7919) % 1000) / 100.0
FROM generate_series(0, 999999) i;
SQL

# $1 label, $2 timeout (ms), $3 query; checks 57014 and elapsed < timeout + 1500 ms
timed_cancel() {
	local label=$1 tmo=$2 query=$3 t0 t1 out ms
	t0=$(date +%s%N)
	out=$(psql -X -q -At -d "$DB" -v ON_ERROR_STOP=1 -c "SET statement_timeout = $tmo" -c "\\set VERBOSITY sqlstate" -c "$query" 2>&1)
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	if [[ "$out" == *57014* ]] && (( ms < tmo + 1500 )); then
		cipred_result pass "cancel: $label ends $ms ms after its start under a $tmo ms statement_timeout (57014)"
	else
		cipred_result fail "cancel: $label under a $tmo ms statement_timeout took $ms ms, output: ${out:0:200}"
	fi
}

timed_cancel "a 300,000-point ARIMA fit" 1000 \
	"SELECT cipred.fit(ts, y, 'arima', '{\"period\": 60}') FROM big WHERE i < 300000"
timed_cancel "a 1,000,000-point MSTL fit" 2000 \
	"SELECT cipred.fit(ts, y, 'mstl', '{\"periods\": [60, 1440]}') FROM big"
timed_cancel "a 1,000,000-point automatic ETS fit" 1000 \
	"SELECT cipred.fit(ts, y, 'ets', '{\"period\": 60}') FROM big"

# pg_terminate_backend in the middle of an ARIMA fit
psql -X -q -At -d "$DB" -c "SELECT cipred.fit(ts, y, 'arima', '{\"period\": 60}') FROM big WHERE i < 300000" >/dev/null 2>&1 &
bg=$!
pid=""
for _ in $(seq 1 50); do
	pid=$(psql -X -q -At -d "$DB" -c "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT cipred.fit(ts, y, ''arima''%' AND state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid() LIMIT 1")
	[ -n "$pid" ] && break
	sleep 0.1
done
sleep 0.5
t0=$(date +%s%N)
term=$(psql -X -q -At -d "$DB" -c "SELECT pg_terminate_backend($pid)")
gone=no
for _ in $(seq 1 150); do
	if [ -z "$(psql -X -q -At -d "$DB" -c "SELECT 1 FROM pg_stat_activity WHERE pid = $pid")" ]; then gone=yes; break; fi
	sleep 0.02
done
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
wait $bg 2>/dev/null
if [ -n "$pid" ] && [ "$term" = t ] && [ $gone = yes ] && (( ms < 1500 )); then
	cipred_result pass "cancel: pg_terminate_backend ended a backend fitting ARIMA in $ms ms"
else
	cipred_result fail "cancel: pg_terminate_backend on backend '$pid' fitting ARIMA: terminated '$term', gone=$gone after $ms ms"
fi

# a fit that is not cancelled is unchanged (the same model as without a timeout)
a=$(psql -X -q -At -d "$DB" -c "SELECT md5(cipred.fit(ts, y, 'arima', '{\"period\": 60}')::text) FROM big WHERE i < 2000")
b=$(psql -X -q -At -d "$DB" -c "SET statement_timeout = '60s'" -c "SELECT md5(cipred.fit(ts, y, 'arima', '{\"period\": 60}')::text) FROM big WHERE i < 2000")
if [ -n "$a" ] && [ "$a" = "$b" ]; then
	cipred_result pass "cancel: a fit that ends before its timeout gives the same model"
else
	cipred_result fail "cancel: a fit under a timeout differs: '$a' vs '$b'"
fi
dropdb "$DB"
