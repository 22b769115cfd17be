-- security: another role's pipeline code never runs with the caller's
-- rights.  An ordinary role's pipeline source tries every way back to the
-- superuser who runs it (set_config('role'), SET ROLE, RESET ROLE, SET
-- SESSION AUTHORIZATION, a SECURITY DEFINER function, settings and
-- temporary objects left behind, a deferred trigger); a superuser, a member
-- of the owner's role and the owner under SET ROLE run it; the same
-- pipeline run by its owner in the owner's own session gives the same
-- forecasts.
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET DateStyle = 'ISO, YMD';

CREATE ROLE regress_alice LOGIN PASSWORD 'regress_alice_pw';
CREATE ROLE regress_bob;
CREATE ROLE regress_carol;
GRANT regress_alice TO regress_bob;
CREATE SCHEMA alice AUTHORIZATION regress_alice;
GRANT USAGE ON SCHEMA alice TO PUBLIC;
-- what a forecaster needs: one role
GRANT cipred_forecaster TO regress_alice, regress_bob, regress_carol;

SET ROLE regress_alice;
CREATE TABLE alice.src (s text, ts timestamptz, y float8);
INSERT INTO alice.src SELECT 'a', '2024-01-01'::timestamptz + i * interval '1 day', 10 + (i % 7) + i * 0.1 FROM generate_series(0, 59) i;
INSERT INTO alice.src SELECT 'b', '2024-01-01'::timestamptz + i * interval '1 day', 50 - (i % 5) FROM generate_series(0, 59) i;
-- each function tries to take the caller's rights back, then to make
-- regress_alice a superuser; it returns 1 only if nothing stopped it
CREATE FUNCTION alice.via_set_config() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('role', 'none', true);
    EXECUTE 'ALTER ROLE regress_alice SUPERUSER';
    RETURN 1;
END $$;
CREATE FUNCTION alice.via_set_role() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'SET ROLE NONE';
    EXECUTE 'ALTER ROLE regress_alice SUPERUSER';
    RETURN 1;
END $$;
CREATE FUNCTION alice.via_reset_role() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'RESET ROLE';
    EXECUTE 'ALTER ROLE regress_alice SUPERUSER';
    RETURN 1;
END $$;
CREATE FUNCTION alice.via_session_authorization() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'SET SESSION AUTHORIZATION DEFAULT';
    EXECUTE 'ALTER ROLE regress_alice SUPERUSER';
    RETURN 1;
END $$;
CREATE FUNCTION alice.via_definer() RETURNS int LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    EXECUTE 'RESET ROLE';
    EXECUTE 'ALTER ROLE regress_alice SUPERUSER';
    RETURN 1;
END $$;
-- a setting that would outlive the run: the caller's next unqualified
-- names would resolve in alice's schema first
CREATE FUNCTION alice.via_search_path() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('search_path', 'alice, public', false);
    RETURN 1;
END $$;
-- a temporary object that would outlive the run in the caller's session
CREATE FUNCTION alice.via_temp_view() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'CREATE TEMP VIEW pg_class AS SELECT 1 AS oid';
    RETURN 1;
END $$;
-- a deferred trigger that would fire at commit with the caller's rights
CREATE TABLE alice.log (x int);
CREATE FUNCTION alice.escalate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER ROLE regress_alice SUPERUSER';
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER later AFTER INSERT ON alice.log DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION alice.escalate();
CREATE FUNCTION alice.via_deferred_trigger() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO alice.log VALUES (1);
    RETURN 1;
END $$;
-- a helper left in the caller's pg_temp, a cursor left open for the
-- caller to fetch from, the caller's constraint mode and advisory locks
-- (these runs succeed: what they leave is undone)
CREATE FUNCTION alice.via_temp_function() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    IF to_regprocedure('pg_temp.helper()') IS NULL THEN
        EXECUTE 'CREATE FUNCTION pg_temp.helper() RETURNS int LANGUAGE sql AS ''SELECT 1''';
    END IF;
    RETURN 1;
END $$;
CREATE FUNCTION alice.via_open_cursor() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_cursors WHERE name = 'alice_cur') THEN
        EXECUTE 'DECLARE alice_cur CURSOR FOR SELECT 1';
    END IF;
    RETURN 1;
END $$;
CREATE FUNCTION alice.via_constraints() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'SET CONSTRAINTS ALL DEFERRED';
    RETURN 1;
END $$;
CREATE FUNCTION alice.via_advisory_lock() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_lock(4242);
    RETURN 1;
END $$;
-- borrowing the caller's rights directly
CREATE FUNCTION alice.via_run_as() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    PERFORM FROM cipred.run_as(session_user, 'SELECT 1') AS x(one int);
    RETURN 1;
END $$;
SELECT cipred.create_pipeline('alice_' || v, format('(SELECT * FROM alice.src WHERE alice.%I() = 1)', v), 's', 'ts', 'y', 3, '1 day',
                              method => '"naive"')
FROM unnest('{via_set_config,via_set_role,via_reset_role,via_session_authorization,via_definer,via_search_path,via_temp_view,via_deferred_trigger,via_run_as,via_temp_function,via_open_cursor,via_constraints,via_advisory_lock}'::text[]) v
ORDER BY v;
SELECT cipred.create_pipeline('alice_ok', 'alice.src', 's', 'ts', 'y', 5, '1 day', method => '"theta"');
RESET ROLE;

-- 1. a superuser runs every hostile pipeline: each run fails inside the
-- restricted operation and regress_alice stays an ordinary role (the
-- search_path one runs, and its setting is undone when its source ends)
SELECT p.name, r.status, r.error
FROM cipred.pipelines p, cipred.run_pipeline(p.name) r
WHERE p.name LIKE 'alice\_via\_%' ORDER BY p.name;
SELECT rolsuper AS alice_is_superuser FROM pg_roles WHERE rolname = 'regress_alice';
SELECT current_user, session_user, current_setting('search_path') AS search_path;
SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()) AS temp_relations,
       (SELECT count(*) FROM pg_proc WHERE pronamespace = pg_my_temp_schema() AND proname <> 'err') AS temp_functions,
       (SELECT count(*) FROM pg_cursors) AS open_cursors,
       (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS advisory_locks;
-- the caller's constraint mode stays immediate after a source that set
-- every constraint deferred
CREATE TABLE imm (x int UNIQUE DEFERRABLE INITIALLY IMMEDIATE);
BEGIN;
SELECT status FROM cipred.run_pipeline('alice_via_constraints');
INSERT INTO imm VALUES (1);
SELECT regress.err($$INSERT INTO imm VALUES (1)$$) AS still_immediate;
ROLLBACK;
DROP TABLE imm;
-- refresh_actuals and check_drift run the source too
SELECT regress.err($$SELECT cipred.refresh_actuals('alice_via_set_config')$$) AS refresh_actuals,
       regress.err($$SELECT * FROM cipred.check_drift('alice_via_reset_role')$$) AS check_drift,
       regress.err($$SELECT * FROM cipred.check_drift('alice_via_session_authorization', psi_window => '7 days')$$) AS check_drift_psi;
SELECT rolsuper AS alice_is_superuser FROM pg_roles WHERE rolname = 'regress_alice';
SELECT current_user, session_user, current_setting('search_path') AS search_path;

-- a superuser acting as the owner with SET SESSION AUTHORIZATION is not the
-- owner's own session: the source is still sandboxed
SET SESSION AUTHORIZATION regress_alice;
SELECT session_user, current_user, status, error FROM cipred.run_pipeline('alice_via_session_authorization');
RESET SESSION AUTHORIZATION;
-- a function of alice's that would be a better match than a built-in
-- cipred calls, on the caller's search_path: cipred's functions pin theirs
CREATE FUNCTION alice.format(f text, a text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER ROLE regress_alice SUPERUSER';
    RETURN pg_catalog.format(f, a);
END $$;
ALTER FUNCTION alice.format(text, text) OWNER TO regress_alice;
SET search_path = "$user", public, alice;
SELECT status, error FROM cipred.run_pipeline('alice_ok');
SELECT regress.err($$SELECT * FROM cipred.check_drift('alice_ok', psi_window => '7 days')$$) AS check_drift;
RESET search_path;
DROP FUNCTION alice.format(text, text);
SELECT rolsuper AS alice_is_superuser FROM pg_roles WHERE rolname = 'regress_alice';

-- 2. a member of the owner's role and the owner under SET ROLE are
-- sandboxed the same way (the session user stays the caller)
SET ROLE regress_bob;
SELECT status, error FROM cipred.run_pipeline('alice_via_reset_role');
RESET ROLE;
SET ROLE regress_alice;
SELECT status, error FROM cipred.run_pipeline('alice_via_set_config');
RESET ROLE;
SELECT rolsuper AS alice_is_superuser FROM pg_roles WHERE rolname = 'regress_alice';
-- an unrelated role may not run it, nor borrow the owner's rights
SET ROLE regress_carol;
SELECT regress.err($$SELECT cipred.run_pipeline('alice_ok')$$) AS carol_runs,
       regress.err($$SELECT cipred.refresh_actuals('alice_ok')$$) AS carol_refreshes,
       regress.err($$SELECT cipred.drop_pipeline('alice_ok')$$) AS carol_drops,
       regress.err($$SELECT * FROM cipred.run_as('regress_alice', 'SELECT 1') AS x(one int)$$) AS carol_borrows;
RESET ROLE;

-- 3. the same pipeline gives the same forecasts whoever runs it: its
-- owner logged in as itself (the source read in place), a superuser and a
-- member (the source read as the owner in a restricted operation)
DELETE FROM cipred.forecasts WHERE pipeline = 'alice_ok';
DELETE FROM cipred.pipeline_runs WHERE pipeline = 'alice_ok';
\c -reuse-previous=on "user=regress_alice password=regress_alice_pw"
SELECT session_user, current_user, cipred.runs_as_itself(current_user) AS in_place, status, forecasts FROM cipred.run_pipeline('alice_ok');
\c -reuse-previous=on "user=postgres"
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET DateStyle = 'ISO, YMD';
SELECT session_user, current_user, cipred.runs_as_itself('regress_alice') AS in_place, status, forecasts FROM cipred.run_pipeline('alice_ok');
SET ROLE regress_bob;
SELECT session_user, current_user, status, forecasts FROM cipred.run_pipeline('alice_ok');
RESET ROLE;
SELECT r.run_by, count(*) AS forecasts,
       bool_and(f.forecast = o.forecast AND f.lo = o.lo AND f.hi = o.hi AND f.ts = o.ts) AS same_as_owner_run
FROM cipred.forecasts f
JOIN cipred.pipeline_runs r USING (run_id)
JOIN cipred.forecasts o ON o.pipeline = f.pipeline AND o.series = f.series AND o.step = f.step
     AND o.run_id = (SELECT min(run_id) FROM cipred.pipeline_runs WHERE pipeline = 'alice_ok')
WHERE f.pipeline = 'alice_ok'
GROUP BY r.run_id, r.run_by ORDER BY r.run_id;
SELECT count(*) AS temp_objects FROM pg_class WHERE relnamespace = pg_my_temp_schema();

-- 4. run_as itself: one SELECT, a column list that matches, a role that
-- exists; settings it changes are undone
SELECT * FROM cipred.run_as('regress_alice', 'SELECT current_user::text, session_user::text') AS x(cur text, sess text);
SELECT * FROM cipred.run_as('regress_alice', $$SELECT set_config('work_mem', '77kB', false)$$) AS x(v text);
SELECT current_setting('work_mem') <> '77kB' AS setting_undone;
SELECT q, regress.err(q) FROM (VALUES
    ($$SELECT * FROM cipred.run_as('regress_alice', 'SELECT 1; SELECT 2') AS x(one int)$$),
    ($$SELECT * FROM cipred.run_as('regress_alice', 'DELETE FROM alice.src') AS x(one int)$$),
    ($$SELECT * FROM cipred.run_as('regress_alice', 'DELETE FROM alice.src RETURNING 1') AS x(one int)$$),
    ($$SELECT * FROM cipred.run_as('regress_alice', 'WITH d AS (DELETE FROM alice.src RETURNING 1) SELECT 1') AS x(one int)$$),
    ($$SELECT * FROM cipred.run_as('regress_alice', 'SELECT 1 FROM alice.src FOR UPDATE') AS x(one int)$$),
    ($$SELECT * FROM cipred.run_as('regress_alice', 'SHOW work_mem') AS x(v text)$$),
    ($$SELECT * FROM cipred.run_as('regress_alice', 'SELECT ''abcdef''::varchar(6)') AS x(v varchar(2))$$),
    ($$SELECT * FROM cipred.run_as('regress_alice', NULL) AS x(v text)$$),
    ($$SELECT * FROM cipred.run_as('regress_alice', 'SELECT 1, 2') AS x(one int)$$),
    ($$SELECT * FROM cipred.run_as('regress_alice', 'SELECT 1::int8') AS x(one int)$$),
    ($$SELECT * FROM cipred.run_as('regress_nosuch', 'SELECT 1') AS x(one int)$$),
    ($$SELECT cipred.run_as('regress_alice', 'SELECT 1')$$)
) t(q);
SELECT count(*) AS alice_rows_kept FROM alice.src;
-- what the query writes is undone, unless keep_changes
SET ROLE regress_alice;
DROP TRIGGER later ON alice.log;
CREATE FUNCTION alice.write_log() RETURNS int LANGUAGE sql AS $$ INSERT INTO alice.log VALUES (1) RETURNING 1 $$;
RESET ROLE;
SELECT * FROM cipred.run_as('regress_alice', 'SELECT alice.write_log()') AS x(n int);
SELECT count(*) AS log_rows_undone FROM alice.log;
SELECT * FROM cipred.run_as('regress_alice', 'SELECT alice.write_log()', NULL, true) AS x(n int);
SELECT count(*) AS log_rows_kept FROM alice.log;
-- the query's names resolve in the search_path given
SELECT * FROM cipred.run_as('regress_alice', 'SELECT count(*) FROM src', 'alice') AS x(n bigint);

-- 5. rows belong to someone: two ordinary roles cannot read or change
-- each other's runs, forecasts, actuals, alerts, backtests or models, and
-- a superuser's backtest is not readable by them
SET ROLE regress_alice;
SELECT cipred.save_model('alice/m', cipred.fit(ts, y, 'naive')) FROM alice.src WHERE s = 'a';
SELECT cipred.promote_model('alice/m', 1);
SELECT count(*) AS alice_backtest FROM cipred.backtest('alice.src', 's', 'ts', 'y', '["naive"]', 2, '{"n_folds": 2}') WHERE step IS NULL;
RESET ROLE;
CREATE TABLE secret (ts timestamptz, y float8);
INSERT INTO secret SELECT '2024-01-01'::timestamptz + i * interval '1 day', 1000 + i FROM generate_series(1, 30) i;
SELECT count(*) AS superuser_backtest FROM cipred.backtest('secret', NULL, 'ts', 'y', '["naive"]', 1, '{"n_folds": 2}') WHERE step IS NULL;
SET ROLE regress_carol;
SELECT (SELECT count(*) FROM cipred.pipelines) AS pipelines, (SELECT count(*) FROM cipred.pipeline_runs) AS runs,
       (SELECT count(*) FROM cipred.forecasts) AS forecasts, (SELECT count(*) FROM cipred.actuals) AS actuals,
       (SELECT count(*) FROM cipred.alerts) AS alerts, (SELECT count(*) FROM cipred.latest_forecasts) AS latest,
       (SELECT count(*) FROM cipred.run_history) AS history, (SELECT count(*) FROM cipred.backtest_runs) AS backtests,
       (SELECT count(*) FROM cipred.backtest_forecasts) AS backtest_rows, (SELECT count(*) FROM cipred.model_leaderboard) AS leaderboard,
       (SELECT count(*) FROM cipred.models) AS models, (SELECT count(*) FROM cipred.model_names) AS model_names,
       (SELECT count(*) FROM cipred.model_events) AS model_events;
-- writes to another role's rows change nothing or fail
UPDATE cipred.forecasts SET forecast = -1;
DELETE FROM cipred.forecasts;
UPDATE cipred.pipeline_runs SET status = 'failed';
UPDATE cipred.alerts SET resolved_at = now();
UPDATE cipred.model_names SET last_version = 1000;
UPDATE cipred.models SET status = 'retired';
SELECT q, regress.err(q) FROM (VALUES
    ($$SELECT cipred.save_model('alice/m', (SELECT cipred.fit(t, v, 'mean') FROM (VALUES (timestamptz '2024-01-01', 1.0::float8), ('2024-01-02', 2.0), ('2024-01-03', 3.0)) x(t, v)))$$),
    ($$SELECT cipred.get_model('alice/m')$$),
    ($$SELECT cipred.promote_model('alice/m', 1)$$),
    ($$SELECT cipred.retire_model('alice/m', 1)$$),
    ($$SELECT cipred.rollback_model('alice/m')$$),
    ($$SELECT cipred.share_model('alice/m', 'regress_carol')$$),
    ($$INSERT INTO cipred.model_names (name, last_version, owner) VALUES ('carol/m', 1, 'regress_alice')$$),
    ($$INSERT INTO cipred.models (name, version, model) VALUES ('alice/m', 99, (SELECT cipred.fit(t, v, 'mean') FROM (VALUES (timestamptz '2024-01-01', 1.0::float8), ('2024-01-02', 2.0), ('2024-01-03', 3.0)) x(t, v)))$$),
    ($$INSERT INTO cipred.forecasts (pipeline, run_id, series, origin, ts, step, method) VALUES ('alice_ok', 1, 'x', now(), now(), 1, 'x')$$),
    ($$SELECT cipred.raise_alert('alice_ok', NULL, 'drift', 'warning', 'fake')$$),
    ($$SELECT cipred.share_pipeline('alice_ok', 'regress_carol')$$),
    ($$SELECT cipred.create_pipeline('alice_ok', 'alice.src', 's', 'ts', 'y', 1, '1 day')$$)
) t(q);
RESET ROLE;
SELECT (SELECT count(*) FROM cipred.forecasts WHERE pipeline = 'alice_ok' AND forecast = -1) AS forecasts_changed,
       (SELECT count(*) FROM cipred.forecasts WHERE pipeline = 'alice_ok') AS forecasts_kept,
       (SELECT count(*) FROM cipred.pipeline_runs WHERE pipeline = 'alice_ok' AND status = 'succeeded') AS runs_kept,
       (SELECT last_version FROM cipred.model_names WHERE name = 'alice/m') AS last_version,
       (SELECT status FROM cipred.models WHERE name = 'alice/m' AND version = 1) AS status;
-- the owner's next save still works, and get_model serves the owner's model
SET ROLE regress_alice;
SELECT cipred.save_model('alice/m', cipred.get_model('alice/m')) AS next_version;
-- sharing: alice shares the model and a pipeline with carol, for reading
SELECT cipred.share_model('alice/m', 'regress_carol'), cipred.share_pipeline('alice_ok', 'regress_carol');
RESET ROLE;
SET ROLE regress_carol;
SELECT cipred.model_kind(cipred.get_model('alice/m')) AS shared_model,
       (SELECT count(*) FROM cipred.models WHERE name = 'alice/m') AS versions,
       (SELECT count(*) FROM cipred.forecasts WHERE pipeline = 'alice_ok') > 0 AS shared_forecasts,
       (SELECT count(*) FROM cipred.pipelines) AS pipelines,
       regress.err($$SELECT cipred.promote_model('alice/m', 2)$$) AS still_cannot_promote,
       regress.err($$SELECT cipred.run_pipeline('alice_ok')$$) AS still_cannot_run;
RESET ROLE;
SET ROLE regress_alice;
SELECT cipred.unshare_model('alice/m', 'regress_carol'), cipred.unshare_pipeline('alice_ok', 'regress_carol');
RESET ROLE;
SET ROLE regress_carol;
SELECT (SELECT count(*) FROM cipred.models) AS models_after_unshare, (SELECT count(*) FROM cipred.forecasts) AS forecasts_after_unshare;
RESET ROLE;
-- a BI login with cipred_reader reads everything, writes nothing
CREATE ROLE regress_bi;
GRANT cipred_reader TO regress_bi;
SET ROLE regress_bi;
SELECT (SELECT count(*) FROM cipred.forecasts WHERE pipeline = 'alice_ok') > 0 AS reads_forecasts,
       (SELECT count(*) FROM cipred.backtest_runs WHERE source = 'secret') AS reads_backtests,
       cipred.model_kind(cipred.get_model('alice/m')) AS reads_models,
       regress.err($$UPDATE cipred.forecasts SET forecast = 0$$) AS cannot_write,
       regress.err($$SELECT cipred.promote_model('alice/m', 2)$$) AS cannot_promote;
RESET ROLE;
-- the event log records what happened, not what a user says: settings,
-- a direct call of the internal set_model_status, and a comment that
-- imitates cipred's call stack are ignored; a version put back in
-- production after being there is logged as rolled back, whoever does it;
-- nobody can attach the log's trigger to a table of their own
SET ROLE regress_alice;
SELECT set_config('cipred_registry.event', 'rolled_back', false), set_config('cipred_registry.note', 'forged note', false);
UPDATE cipred.models SET status = 'retired' WHERE name = 'alice/m' AND version = 1;
DO $$BEGIN UPDATE cipred.models SET status = 'production' WHERE name = 'alice/m' AND version = 2 /*
PL/pgSQL function cipred_internal.set_model_status(text,integer,text,text,text) line 1
PL/pgSQL function cipred.rollback_model(text) line 1
*/; END$$;
SELECT cipred_internal.set_model_status('alice/m', 2, 'retired');
SELECT cipred.promote_model('alice/m', 1), cipred.promote_model('alice/m', 2);
SELECT cipred.rollback_model('alice/m') AS rolled_back_to;
SELECT version, event, note FROM cipred.model_events WHERE name = 'alice/m' ORDER BY at, version;
CREATE TABLE alice.fake_models (name text, version int, status text, created_by name, status_changed_by name, imported_from text);
SELECT regress.err($$CREATE TRIGGER f AFTER INSERT OR UPDATE ON alice.fake_models FOR EACH ROW EXECUTE FUNCTION cipred_internal.models_log()$$) AS attach_log,
       regress.err($$CREATE TRIGGER g BEFORE INSERT ON alice.fake_models FOR EACH ROW EXECUTE FUNCTION cipred_internal.models_guard()$$) AS attach_guard;
RESET cipred_registry.event;
RESET cipred_registry.note;
RESET ROLE;
-- nobody can take the ids of other roles' future runs and alerts
SET ROLE regress_carol;
SELECT regress.err($$INSERT INTO cipred.backtest_runs (run_id, source, spec, started_at, finished_at, duration, rows_read, series, folds, forecasts)
                     VALUES (999999, 'x', '{}', now(), now(), '0', 0, 0, 0, 0)$$) AS plant_backtest_id,
       regress.err($$INSERT INTO cipred.alerts (alert_id, kind, severity, message) VALUES (999999, 'failed', 'critical', 'x')$$) AS plant_alert_id,
       regress.err($$INSERT INTO cipred.pipeline_runs (run_id, pipeline, budget) VALUES (999999, 'alice_ok', '1 hour')$$) AS plant_run_id;
-- an alert of carol's own cannot be moved onto alice's pipeline
SELECT cipred.raise_alert(NULL, NULL, 'failed', 'critical', 'carol''s own') IS NOT NULL AS raised;
SELECT regress.err($$UPDATE cipred.alerts SET pipeline = 'alice_ok' WHERE raised_by = 'regress_carol'$$) AS move_alert,
       regress.err($$UPDATE cipred.alerts SET raised_by = 'regress_alice' WHERE raised_by = 'regress_carol'$$) AS reattribute_alert;
-- nor can alice's registry operations be blocked by a lock carol takes
SELECT count(*) AS rows_carol_can_lock FROM (SELECT 1 FROM cipred.model_names WHERE name = 'alice/m' FOR UPDATE) x;
RESET ROLE;
DELETE FROM cipred.alerts WHERE raised_by = 'regress_carol';
-- retention cannot be turned on someone else's backtests: carol writes
-- every backtest id into her own run's record and asks to keep none; a
-- superuser then runs her pipeline
CREATE SCHEMA carol AUTHORIZATION regress_carol;
SET ROLE regress_carol;
CREATE TABLE carol.src AS SELECT 'c'::text AS s, '2024-01-01'::timestamptz + i * interval '1 day' AS ts, (i % 5)::float8 AS y FROM generate_series(0, 40) i;
SELECT cipred.create_pipeline('carol_p', 'carol.src', 's', 'ts', 'y', 2, '1 day', method => '"naive"');
SELECT status FROM cipred.run_pipeline('carol_p');
UPDATE cipred.pipeline_runs SET backtest_runs = ARRAY(SELECT generate_series(1, 10000)::bigint) WHERE pipeline = 'carol_p';
UPDATE cipred.pipelines SET backtest_retention = 0 WHERE name = 'carol_p';
RESET ROLE;
SELECT count(*) AS backtests_before FROM cipred.backtest_runs \gset
SELECT status FROM cipred.run_pipeline('carol_p');
SELECT (SELECT count(*) FROM cipred.backtest_runs) = :backtests_before AS others_backtests_kept;
SELECT cipred.drop_pipeline('carol_p');
DROP SCHEMA carol CASCADE;
DROP TABLE secret;

DROP SCHEMA alice CASCADE;
SELECT cipred.drop_pipeline(name) FROM cipred.pipelines WHERE name LIKE 'alice\_%' ORDER BY name;
DELETE FROM cipred.alerts WHERE pipeline LIKE 'alice\_%';
DROP ROLE regress_alice, regress_bob, regress_carol, regress_bi;
