#!/usr/bin/env bash
# pipeline_kill.sh - a killed run leaves a trace: CALL cipred.execute_pipeline
# commits the run's start before its work; its backend is ended in the
# middle of the run, once by pg_terminate_backend and once by kill -9 (the
# server then restarts every backend); the run stays in the log as running,
# a check made while it is alive leaves it alone, and the next run marks it
# abandoned with a critical alert.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

DB=cipred_kill
dropdb --if-exists "$DB" 2>/dev/null; createdb "$DB"
cipred_psql -d "$DB" >/dev/null <<'SQL'
CREATE EXTENSION cipred;
CREATE TABLE readings (series text, ts timestamptz, value float8);
INSERT INTO readings SELECT 's' || s, '2024-01-01'::timestamptz + i * interval '1 hour', 100 + s * 10 + (i % 24)
FROM generate_series(1, 3) s, generate_series(0, 199) i;
-- a source that sleeps while the flag is set
CREATE TABLE nap_flag (on_ bool);
INSERT INTO nap_flag VALUES (true);
CREATE FUNCTION nap() RETURNS bool LANGUAGE sql VOLATILE
AS $$ SELECT CASE WHEN (SELECT on_ FROM nap_flag) THEN pg_sleep(120) IS NOT NULL ELSE true END $$;
SELECT cipred.create_pipeline('slow', '(SELECT * FROM readings WHERE nap())', 'series', 'ts', 'value', 24, '1 hour',
                              method => '"snaive"', period => 24);
SQL

q() { psql -X -q -At -d "$DB" -c "$1" 2>/dev/null; }

# wait until the server accepts connections (after a crash restart)
wait_ready() {
	for _ in $(seq 1 60); do
		[ "$(q 'SELECT 1')" = 1 ] && return 0
		sleep 1
	done
	return 1
}

kill_run() {  # $1: how (terminate | kill9)
	local how=$1 pid run status live
	q "UPDATE nap_flag SET on_ = true" >/dev/null
	psql -X -q -d "$DB" -c "CALL cipred.execute_pipeline('slow')" >/dev/null 2>&1 &
	local client=$!
	run=
	for _ in $(seq 1 50); do
		run=$(q "SELECT run_id FROM cipred.pipeline_runs WHERE pipeline = 'slow' AND status = 'running' ORDER BY run_id DESC LIMIT 1")
		[ -n "$run" ] && break
		sleep 0.2
	done
	if [ -z "$run" ]; then
		cipred_result fail "pipeline_kill ($how): the run's start was not committed"
		kill "$client" 2>/dev/null; wait "$client" 2>/dev/null
		return
	fi
	sleep 1
	live=$(q "SELECT cipred.mark_abandoned('slow') || ' ' || status FROM cipred.pipeline_runs WHERE run_id = $run")
	pid=$(q "SELECT pid FROM cipred.pipeline_runs WHERE run_id = $run")
	if [ "$how" = terminate ]; then
		q "SELECT pg_terminate_backend($pid)" >/dev/null
	else
		kill -9 "$pid"
	fi
	wait "$client" 2>/dev/null
	wait_ready || { cipred_result fail "pipeline_kill ($how): the server did not come back"; return; }
	status=$(q "SELECT status FROM cipred.pipeline_runs WHERE run_id = $run")
	q "UPDATE nap_flag SET on_ = false" >/dev/null
	psql -X -q -d "$DB" -c "CALL cipred.execute_pipeline('slow')" >/dev/null 2>&1
	local after alert next
	after=$(q "SELECT status || ' ' || (error LIKE '%ended before the run finished%') FROM cipred.pipeline_runs WHERE run_id = $run")
	alert=$(q "SELECT count(*) FROM cipred.alerts WHERE kind = 'abandoned' AND severity = 'critical' AND run_id = $run")
	next=$(q "SELECT status FROM cipred.pipeline_runs WHERE pipeline = 'slow' AND run_id > $run ORDER BY run_id DESC LIMIT 1")
	if [ "$live" = "0 running" ] && [ "$status" = running ] && [ "$after" = "abandoned true" ] && [ "$alert" = 1 ] && [ "$next" = succeeded ]; then
		cipred_result pass "pipeline_kill ($how): the killed run stayed in the log, was left alone while alive, then marked abandoned with an alert"
	else
		cipred_result fail "pipeline_kill ($how): while alive '$live', after the kill '$status', after the next run '$after', alerts '$alert', next run '$next'"
	fi
}

kill_run terminate
kill_run kill9
wait_ready
dropdb "$DB" 2>/dev/null
exit 0
