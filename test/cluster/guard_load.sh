#!/usr/bin/env bash
# guard_load.sh - nothing lost under concurrent load: CIPRED_GUARD_CLIENTS
# clients (default 8) write CIPRED_GUARD_ROWS rows each (default 2,000; the
# benchmark runs a larger size) into a table guarded in quarantine mode, in
# multi-row INSERTs and COPYs, with a known share of bad rows: off the grid,
# NaN, late, and duplicates that every client sends for the same keys.
# Afterwards rows sent = rows accepted + rows quarantined, exactly, every
# quarantined row carries the rule its row was built to break, and each
# shared key was accepted once.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

DB=cipred_guard_load
C=${CIPRED_GUARD_CLIENTS:-8}
N=${CIPRED_GUARD_ROWS:-2000}
dropdb --if-exists "$DB" 2>/dev/null; createdb "$DB"
cipred_psql -d "$DB" >/dev/null <<'SQL'
CREATE EXTENSION cipred;
CREATE TABLE load (meter text, ts timestamptz, kwh float8, expect text);
SELECT cipred.guard('load', 'ts', '{meter}', '{kwh}', '30 minutes', '{"lateness": "30 years"}', 'quarantine');
-- row i of client c: every tenth row of each kind breaks one rule
CREATE FUNCTION load_rows(c int, lo int, hi int) RETURNS TABLE (meter text, ts timestamptz, kwh float8, expect text)
LANGUAGE sql AS $$
    SELECT CASE WHEN i % 10 = 3 THEN 'shared' ELSE 'c' || c END,
           CASE i % 10 WHEN 1 THEN timestamptz '2024-01-01' + i * interval '30 minutes' + interval '7 minutes'
                       WHEN 3 THEN timestamptz '2024-01-01' + (i / 10) * interval '30 minutes'
                       WHEN 4 THEN timestamptz '1980-01-01' + i * interval '30 minutes'
                       ELSE timestamptz '2024-01-01' + i * interval '30 minutes' END,
           CASE WHEN i % 10 = 2 THEN 'NaN'::float8 ELSE i::float8 END,
           CASE i % 10 WHEN 1 THEN 'grid' WHEN 2 THEN 'finite' WHEN 3 THEN 'shared' WHEN 4 THEN 'lateness' ELSE 'ok' END
    FROM generate_series(lo, hi) i
$$;
SQL

# each client: batches of 100 rows, alternately INSERT ... SELECT and COPY
pids=()
for c in $(seq 1 "$C"); do
	(
		for lo in $(seq 1 100 "$N"); do
			hi=$((lo + 99)); [ "$hi" -gt "$N" ] && hi=$N
			if [ $(((lo / 100) % 2)) -eq 0 ]; then
				echo "INSERT INTO load SELECT * FROM load_rows($c, $lo, $hi);"
			else
				echo "\\copy (SELECT * FROM load_rows($c, $lo, $hi)) TO '$CIPRED_TMP/cipred_guard_load_$c.csv' WITH (FORMAT csv)"
				echo "\\copy load FROM '$CIPRED_TMP/cipred_guard_load_$c.csv' WITH (FORMAT csv)"
			fi
		done | psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null 2>"$CIPRED_TMP/cipred_guard_load_$c.err"
		echo $? > "$CIPRED_TMP/cipred_guard_load_$c.rc"
	) &
	pids+=($!)
done
wait "${pids[@]}"
failed=0
for c in $(seq 1 "$C"); do
	if [ "$(cat "$CIPRED_TMP/cipred_guard_load_$c.rc")" != 0 ]; then
		failed=1; cat "$CIPRED_TMP/cipred_guard_load_$c.err"
	fi
done
if [ "$failed" = 0 ]; then
	cipred_result pass "guard load: $C clients wrote without an error (quarantine mode)"
else
	cipred_result fail "guard load: a client failed"
fi

res=$(psql -X -q -At -F ' ' -d "$DB" <<SQL
SELECT $C * $N,
       (SELECT count(*) FROM load),
       (SELECT count(*) FROM cipred.quarantine WHERE rel = 'load'::regclass),
       (SELECT count(*) FROM cipred.quarantine
        WHERE rel = 'load'::regclass AND rule <> CASE row_data->>'expect' WHEN 'shared' THEN 'duplicate' ELSE row_data->>'expect' END),
       (SELECT count(*) FROM load WHERE expect NOT IN ('ok', 'shared')),
       (SELECT count(*) FROM (SELECT ts FROM load WHERE meter = 'shared' GROUP BY ts HAVING count(*) <> 1) x),
       (SELECT count(DISTINCT ts) FROM load WHERE meter = 'shared'),
       (SELECT count(*) FROM cipred.quarantine WHERE rel = 'load'::regclass AND rule = 'duplicate')
SQL
)
read -r sent accepted quarantined wrong_rule bad_accepted dup_twice shared_keys dups <<<"$res"
if [ "$sent" = "$((accepted + quarantined))" ]; then
	cipred_result pass "guard load: rows sent $sent = accepted $accepted + quarantined $quarantined"
else
	cipred_result fail "guard load: rows sent $sent <> accepted $accepted + quarantined $quarantined"
fi
if [ "$wrong_rule" = 0 ] && [ "$bad_accepted" = 0 ]; then
	cipred_result pass "guard load: every quarantined row carries its rule; no bad row accepted"
else
	cipred_result fail "guard load: $wrong_rule quarantined rows with the wrong rule, $bad_accepted bad rows accepted"
fi
if [ "$dup_twice" = 0 ] && [ "$dups" = "$(( (C - 1) * shared_keys ))" ] && [ "$shared_keys" -gt 0 ]; then
	cipred_result pass "guard load: each of $shared_keys shared keys accepted once, $dups duplicates quarantined"
else
	cipred_result fail "guard load: shared keys $shared_keys, keys accepted twice $dup_twice, duplicates $dups"
fi
rm -f $CIPRED_TMP/cipred_guard_load_*
dropdb "$DB"
