#!/usr/bin/env bash
# dump_restore.sh - every cipred table survives pg_dump and restore as it
# was: the registry's statuses, users, times and events (a restore used to
# put every production model back in staging and add false events), the
# pipelines with their runs, forecasts, actuals and alerts, the backtests;
# the restored database keeps working (get_model serves the production
# version, a pipeline runs, ids continue after the restored ones).
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

SRC=cipred_dump_src
DST=cipred_dump_dst
for d in "$SRC" "$DST"; do dropdb --if-exists "$d" 2>/dev/null; done
createdb "$SRC"
cipred_psql -d "$SRC" >/dev/null <<'SQL'
CREATE EXTENSION cipred;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'regress_dump_user') THEN CREATE ROLE regress_dump_user; END IF;
END $$;
GRANT cipred_forecaster TO regress_dump_user;
CREATE TABLE readings (series text, ts timestamptz, value float8);
INSERT INTO readings SELECT 's' || s, '2024-01-01'::timestamptz + i * interval '1 day', 100 + s * 10 + (i % 7)
FROM generate_series(1, 2) s, generate_series(0, 59) i;
GRANT SELECT ON readings TO regress_dump_user;
SET ROLE regress_dump_user;
SELECT cipred.save_model('m', cipred.fit(ts, value, 'naive')) FROM readings WHERE series = 's1';
SELECT cipred.save_model('m', cipred.fit(ts, value, 'mean')) FROM readings WHERE series = 's1';
SELECT cipred.promote_model('m', 1);
SELECT cipred.promote_model('m', 2);
SELECT cipred.create_pipeline('daily', 'readings', 'series', 'ts', 'value', 3, '1 day', method => '"naive"');
SELECT status FROM cipred.run_pipeline('daily');
SELECT cipred.raise_alert('daily', NULL, 'drift', 'warning', 'a test alert');
SELECT count(*) FROM cipred.backtest('readings', 'series', 'ts', 'value', '["naive"]', 3, '{"n_folds": 2}');
RESET ROLE;
SQL
# every cipred table's rows, as one fingerprint each
tables="models model_names model_events pipelines pipeline_runs forecasts actuals alerts backtest_runs backtest_forecasts backtest_scores guards quarantine"
snapshot() {
	for t in $tables; do
		psql -X -q -At -d "$1" -c "SELECT '$t ' || count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '-') FROM cipred.$t x"
	done
}
before=$(snapshot "$SRC")
createdb "$DST"
if pg_dump -d "$SRC" | psql -X -q -v ON_ERROR_STOP=1 -d "$DST" >/dev/null 2>$CIPRED_TMP/cipred_dump.err; then
	cipred_result pass "dump and restore: pg_dump of a database with cipred restores without an error"
else
	cipred_result fail "dump and restore: the restore failed"; head -5 $CIPRED_TMP/cipred_dump.err
fi
after=$(snapshot "$DST")
if [ "$before" = "$after" ]; then
	cipred_result pass "dump and restore: every cipred table is as it was (registry statuses, users, times and events included)"
else
	cipred_result fail "dump and restore: tables differ"
	diff <(echo "$before") <(echo "$after")
	psql -X -q -At -d "$DST" -c "SELECT name, version, status, created_by, created_at, status_changed_by FROM cipred.models ORDER BY 1, 2"
	psql -X -q -At -d "$DST" -c "SELECT name, version, event, by_user, note FROM cipred.model_events ORDER BY at"
fi
works=$(psql -X -q -At -d "$DST" <<'SQL'
SET ROLE regress_dump_user;
SELECT cipred.model_kind(cipred.get_model('m')) || ' ' || r.status || ' ' || (r.run_id > 1) || ' ' ||
       cipred.save_model('m', cipred.get_model('m'))
FROM cipred.run_pipeline('daily') r;
SQL
)
if [ "$works" = "baseline succeeded true 3" ]; then
	cipred_result pass "dump and restore: the restored registry and pipeline keep working ($works)"
else
	cipred_result fail "dump and restore: after restore got '$works'"
fi
for d in "$SRC" "$DST"; do dropdb "$d"; done
psql -X -q -c "DROP ROLE IF EXISTS regress_dump_user" postgres >/dev/null 2>&1
rm -f $CIPRED_TMP/cipred_dump.err
exit 0
