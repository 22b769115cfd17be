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

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE ROLE regress_alice;
CREATE ROLE regress_bob;
CREATE ROLE regress_carol;
GRANT regress_alice TO regress_bob;
CREATE SCHEMA alice AUTHORIZATION regress_alice;
GRANT USAGE ON SCHEMA alice TO PUBLIC;
-- what a forecaster needs (the operations issue gives this one role)
GRANT SELECT, INSERT, UPDATE, DELETE ON cipred.pipelines, cipred.pipeline_runs, cipred.forecasts,
                                       cipred.actuals, cipred.alerts TO regress_alice, regress_bob, regress_carol;
GRANT USAGE ON SEQUENCE cipred.pipeline_runs_run_id_seq, cipred.alerts_alert_id_seq TO regress_alice, regress_bob, regress_carol;

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
-- borrowing the caller's rights directly
CREATE FUNCTION alice.via_run_as() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    PERFORM FROM cipred.run_as(session_user, 'SELECT 1') AS x(one int);
    RETURN 1;
END $$;
SELECT cipred.create_pipeline('alice_' || v, format('(SELECT * FROM alice.src WHERE alice.%I() = 1)', v), 's', 'ts', 'y', 3, '1 day',
                              method => '"naive"')
FROM unnest('{via_set_config,via_set_role,via_reset_role,via_session_authorization,via_definer,via_search_path,via_temp_view,via_deferred_trigger,via_run_as}'::text[]) v
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
SELECT count(*) AS temp_objects FROM pg_class WHERE relnamespace = pg_my_temp_schema();
-- refresh_actuals and check_drift run the source too
SELECT pg_temp.err($$SELECT cipred.refresh_actuals('alice_via_set_config')$$) AS refresh_actuals,
       pg_temp.err($$SELECT * FROM cipred.check_drift('alice_via_reset_role')$$) AS check_drift,
       pg_temp.err($$SELECT * FROM cipred.check_drift('alice_via_session_authorization', psi_window => '7 days')$$) AS check_drift_psi;
SELECT rolsuper AS alice_is_superuser FROM pg_roles WHERE rolname = 'regress_alice';
SELECT current_user, session_user, current_setting('search_path') AS search_path;

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
SELECT pg_temp.err($$SELECT cipred.run_pipeline('alice_ok')$$) AS carol_runs,
       pg_temp.err($$SELECT cipred.refresh_actuals('alice_ok')$$) AS carol_refreshes,
       pg_temp.err($$SELECT cipred.drop_pipeline('alice_ok')$$) AS carol_drops,
       pg_temp.err($$SELECT * FROM cipred.run_as('regress_alice', 'SELECT 1') AS x(one int)$$) AS carol_borrows;
RESET ROLE;

-- 3. the same pipeline gives the same forecasts whoever runs it: its
-- owner in its own session (the source read in place), a superuser and a
-- member (the source read as the owner in a restricted operation)
SET SESSION AUTHORIZATION regress_alice;
SELECT session_user, current_user, status, forecasts FROM cipred.run_pipeline('alice_ok');
RESET SESSION AUTHORIZATION;
SELECT session_user, current_user, status, forecasts FROM cipred.run_pipeline('alice_ok');
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
SELECT q, pg_temp.err(q) FROM (VALUES
    ($$SELECT * FROM cipred.run_as('regress_alice', 'SELECT 1; SELECT 2') AS x(one int)$$),
    ($$SELECT * FROM cipred.run_as('regress_alice', 'DELETE FROM alice.src') AS x(one int)$$),
    ($$SELECT * FROM cipred.run_as('regress_alice', 'SELECT 1, 2') AS x(one int)$$),
    ($$SELECT * FROM cipred.run_as('regress_alice', 'SELECT 1::int8') AS x(one int)$$),
    ($$SELECT * FROM cipred.run_as('regress_nosuch', 'SELECT 1') AS x(one int)$$),
    ($$SELECT cipred.run_as('regress_alice', 'SELECT 1')$$)
) t(q);
SELECT count(*) AS alice_rows_kept FROM alice.src;

DROP SCHEMA alice CASCADE;
SELECT cipred.drop_pipeline(name) FROM cipred.pipelines WHERE name LIKE 'alice\_%' ORDER BY name;
DELETE FROM cipred.alerts WHERE pipeline LIKE 'alice\_%';
REVOKE ALL ON cipred.pipelines, cipred.pipeline_runs, cipred.forecasts, cipred.actuals, cipred.alerts
    FROM regress_alice, regress_bob, regress_carol;
REVOKE ALL ON SEQUENCE cipred.pipeline_runs_run_id_seq, cipred.alerts_alert_id_seq FROM regress_alice, regress_bob, regress_carol;
DROP ROLE regress_alice, regress_bob, regress_carol;
