#!/usr/bin/env bash
# registry.sh - concurrent saves under one name from two sessions get
# distinct versions 1..N, with one 'saved' event each.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

DB=cipred_registry
dropdb --if-exists "$DB" 2>/dev/null; createdb "$DB"
cipred_psql -d "$DB" -c "CREATE EXTENSION cipred" \
	-c "CREATE TABLE d AS SELECT i::float8 AS x, 2.0 * i + (i % 5) AS y FROM generate_series(1, 100) i"
N=60
saver() {
	for _ in $(seq 1 "$N"); do
		echo "SELECT cipred.save_model('shared', (SELECT cipred.linreg(y, ARRAY[x]) FROM d), source => 'session $1');"
	done | psql -X -q -At -d "$DB" -v ON_ERROR_STOP=1 >/dev/null
}
saver 1 & p1=$!
saver 2 & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
res=$(psql -X -q -At -d "$DB" -c "SELECT count(*), count(DISTINCT version), min(version), max(version),
	(SELECT count(*) FROM cipred.model_events WHERE name = 'shared' AND event = 'saved'),
	count(*) FILTER (WHERE source = 'session 1'), count(*) FILTER (WHERE source = 'session 2')
	FROM cipred.models WHERE name = 'shared'")
want="$((2 * N))|$((2 * N))|1|$((2 * N))|$((2 * N))|$N|$N"
if [ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ "$res" = "$want" ]; then
	cipred_result pass "registry: two sessions saved $((2 * N)) versions 1..$((2 * N)) concurrently, none lost or repeated"
else
	cipred_result fail "registry: concurrent saves gave $res (want $want; exits $r1 $r2)"
fi
dropdb "$DB"
