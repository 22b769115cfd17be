#!/usr/bin/env bash
# guard_dump.sh - a guard survives pg_dump and restore: the restored table
# keeps its constraints, unique index and trigger, the guard row and the
# quarantined rows come back, and the restored guard still refuses and
# quarantines rows.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

SRC=cipred_guard_dump_src
DST=cipred_guard_dump_dst
for d in "$SRC" "$DST"; do dropdb --if-exists "$d" 2>/dev/null; done
createdb "$SRC"
cipred_psql -d "$SRC" >/dev/null <<'SQL'
CREATE EXTENSION cipred;
CREATE TABLE meters (meter text, ts timestamptz, kwh float8);
SELECT cipred.guard('meters', 'ts', '{meter}', '{kwh}', '30 minutes', '{"min": 0}', 'quarantine');
INSERT INTO meters VALUES ('a', '2024-01-01 00:00+00', 1), ('a', '2024-01-01 00:10+00', 2), ('b', '2024-01-01 00:00+00', -3);
SQL
createdb "$DST"
if pg_dump -d "$SRC" | psql -X -q -v ON_ERROR_STOP=1 -d "$DST" >/dev/null 2>$CIPRED_TMP/cipred_guard_dump.err; then
	cipred_result pass "guard dump: pg_dump of a guarded database restores without an error"
else
	cipred_result fail "guard dump: restore failed"; cat $CIPRED_TMP/cipred_guard_dump.err
fi
res=$(psql -X -q -At -d "$DST" <<'SQL'
INSERT INTO meters VALUES ('a', '2024-01-01 00:30+00', 4), ('a', '2024-01-01 00:40+00', 5), ('a', '2024-01-01 00:00+00', 6);
SELECT (SELECT count(*) FROM meters) || ' ' ||
       (SELECT count(*) FROM cipred.quarantine) || ' ' ||
       (SELECT string_agg(rule, ',' ORDER BY id) FROM cipred.quarantine) || ' ' ||
       (SELECT count(*) FROM pg_constraint WHERE conrelid = 'meters'::regclass) || ' ' ||
       (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'meters'::regclass) || ' ' ||
       (SELECT count(*) FROM cipred.guards WHERE rel = 'meters'::regclass);
SQL
)
want="2 4 grid,bounds,grid,duplicate 2 1 1"
if [ "$res" = "$want" ]; then
	cipred_result pass "guard dump: the restored guard keeps its objects and quarantine and still works ($res)"
else
	cipred_result fail "guard dump: after restore got '$res', want '$want'"
fi
for d in "$SRC" "$DST"; do dropdb "$d"; done
rm -f $CIPRED_TMP/cipred_guard_dump.err
