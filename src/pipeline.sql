-- pipeline.sql - operations: stored pipelines run in one call or by pg_cron,
-- a run log with a run-time budget, forecast vintages, actuals, alerts sent
-- with NOTIFY, drift checks, and views for BI tools
--
-- Privileges: these tables are not granted to PUBLIC but to the roles
-- cipred_forecaster (define, run and schedule one's own pipelines) and
-- cipred_reader (read every pipeline's results).  Every row belongs to a
-- pipeline, and a pipeline to its owner: row-level security lets a role see
-- the rows of the pipelines it owns (or is a member of the owner's role),
-- that are shared with it (cipred.share_pipeline), or all of them with
-- cipred_reader; only the owner's side writes them.  The views read the
-- tables with the reader's rights (security_invoker).

CREATE TABLE cipred.pipelines (
    name text PRIMARY KEY
        CONSTRAINT pipelines_name_check CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$'),
    source text NOT NULL,
    series_column name,
    time_column name NOT NULL,
    target_column name NOT NULL,
    method jsonb NOT NULL,
    horizon int NOT NULL CONSTRAINT pipelines_horizon_check CHECK (horizon BETWEEN 1 AND 100000),
    levels float8[] NOT NULL DEFAULT '{80,95}',
    output_period interval NOT NULL CONSTRAINT pipelines_period_check CHECK (output_period > '0'),
    budget interval NOT NULL CONSTRAINT pipelines_budget_check CHECK (budget > '0'),
    folds jsonb,
    period int,
    stale_action text NOT NULL DEFAULT 'alert' CONSTRAINT pipelines_stale_check CHECK (stale_action IN ('alert', 'fail')),
    cron_job bigint,
    owner name NOT NULL DEFAULT CURRENT_USER,
    created_at timestamptz NOT NULL DEFAULT now(),
    description text,
    readers name[] NOT NULL DEFAULT '{}',
    search_path text NOT NULL DEFAULT pg_catalog.current_setting('search_path'),
    backtest_retention int NOT NULL DEFAULT 3
        CONSTRAINT pipelines_backtest_retention_check CHECK (backtest_retention BETWEEN 0 AND 100000)
);
COMMENT ON TABLE cipred.pipelines IS
'Stored forecasting pipelines: where the data is, the method (a cipred.fit method or auto), the horizon and interval levels, the output period the pipeline serves and its run-time budget (default two thirds of the period).';

CREATE TABLE cipred.pipeline_runs (
    run_id bigserial PRIMARY KEY,
    pipeline text NOT NULL REFERENCES cipred.pipelines ON DELETE CASCADE,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    duration interval,
    status text NOT NULL DEFAULT 'running' CONSTRAINT pipeline_runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned')),
    error text,
    rows_read bigint,
    series int,
    forecasts bigint,
    stale_series int,
    budget interval NOT NULL,
    budget_used float8,
    backtest_runs bigint[],
    run_by name NOT NULL DEFAULT CURRENT_USER,
    pid int NOT NULL DEFAULT pg_catalog.pg_backend_pid(),
    backend_start timestamptz
);
CREATE INDEX pipeline_runs_pipeline ON cipred.pipeline_runs (pipeline, started_at);
COMMENT ON TABLE cipred.pipeline_runs IS
'Every run of every pipeline: when, how long, rows read, series, forecasts written, status (running, succeeded, failed, or abandoned when the backend running it ended first) and error, input staleness, the share of the run-time budget used (budget_used = duration / budget), the backtest runs behind an auto pipeline''s forecasts, who ran it and the backend that ran it (pid, backend_start).';

CREATE TABLE cipred.forecasts (
    pipeline text NOT NULL REFERENCES cipred.pipelines ON DELETE CASCADE,
    run_id bigint NOT NULL REFERENCES cipred.pipeline_runs ON DELETE CASCADE,
    series text NOT NULL,
    origin timestamptz NOT NULL,
    ts timestamptz NOT NULL,
    step int NOT NULL,
    forecast float8,
    lo float8[],
    hi float8[],
    method text NOT NULL,
    expected_mase float8,
    PRIMARY KEY (pipeline, run_id, series, ts)
);
CREATE INDEX forecasts_target ON cipred.forecasts (pipeline, series, ts);
COMMENT ON TABLE cipred.forecasts IS
'Every vintage of every pipeline''s forecasts: per run (the model version: each run refits), series, origin (the last time of the data) and target time, the horizon step, the point forecast, the interval bounds (lo[i], hi[i] at the pipeline''s levels[i]), the method or combination strategy used, and (auto) the out-of-fold MASE its backtest expected at that step.';

CREATE TABLE cipred.actuals (
    pipeline text NOT NULL REFERENCES cipred.pipelines ON DELETE CASCADE,
    series text NOT NULL,
    ts timestamptz NOT NULL,
    actual float8 NOT NULL,
    scale float8,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pipeline, series, ts)
);
COMMENT ON TABLE cipred.actuals IS
'The actuals of forecast target times, copied from each pipeline''s source when they arrive (at every run, or by cipred.refresh_actuals), with the series'' MASE scale, so that realised accuracy needs no access to the source.';

CREATE TABLE cipred.alerts (
    alert_id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    pipeline text,
    run_id bigint,
    kind text NOT NULL CONSTRAINT alerts_kind_check CHECK (kind IN ('failed', 'abandoned', 'budget', 'stale', 'drift', 'shift')),
    severity text NOT NULL CONSTRAINT alerts_severity_check CHECK (severity IN ('warning', 'critical')),
    message text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}',
    resolved_at timestamptz,
    raised_by name NOT NULL DEFAULT CURRENT_USER,
    owner name
);
CREATE INDEX alerts_open ON cipred.alerts (at) WHERE resolved_at IS NULL;
COMMENT ON TABLE cipred.alerts IS
'Alerts raised by pipeline runs (failed, abandoned, budget exceeded, stale input) and by the monitoring checks (drift of forecast errors, shift of the input distribution); each is also sent with NOTIFY on the channel cipred_alerts.';

-- Row-level security.  A pipeline: read by its owner's role, the roles it
-- is shared with and cipred_reader; created by its owner; changed and
-- dropped by the owner's members.  Its runs, forecasts and actuals: read
-- with it (the policy's subquery sees only the pipelines the reader may),
-- written by the owner's members (a superuser's run writes as the
-- superuser, who bypasses row-level security).  An alert: read with its
-- pipeline, or by whoever raised it (no pipeline, or a dropped one).
ALTER TABLE cipred.pipelines ENABLE ROW LEVEL SECURITY;
CREATE POLICY pipelines_read ON cipred.pipelines FOR SELECT USING (cipred_internal.may_read(owner, readers));
CREATE POLICY pipelines_own_insert ON cipred.pipelines FOR INSERT WITH CHECK (owner = CURRENT_USER);
CREATE POLICY pipelines_own_update ON cipred.pipelines FOR UPDATE
    USING (cipred_internal.has_role(owner, 'MEMBER')) WITH CHECK (cipred_internal.has_role(owner, 'MEMBER'));
CREATE POLICY pipelines_own_delete ON cipred.pipelines FOR DELETE USING (cipred_internal.has_role(owner, 'MEMBER'));
ALTER TABLE cipred.pipeline_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE cipred.forecasts ENABLE ROW LEVEL SECURITY;
ALTER TABLE cipred.actuals ENABLE ROW LEVEL SECURITY;
ALTER TABLE cipred.alerts ENABLE ROW LEVEL SECURITY;
CREATE POLICY pipeline_runs_read ON cipred.pipeline_runs FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = pipeline_runs.pipeline));
CREATE POLICY pipeline_runs_write ON cipred.pipeline_runs FOR ALL
    USING (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = pipeline_runs.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER')))
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = pipeline_runs.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER')));
CREATE POLICY forecasts_read ON cipred.forecasts FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = forecasts.pipeline));
CREATE POLICY forecasts_write ON cipred.forecasts FOR ALL
    USING (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = forecasts.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER')))
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = forecasts.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER')));
CREATE POLICY actuals_read ON cipred.actuals FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = actuals.pipeline));
CREATE POLICY actuals_write ON cipred.actuals FOR ALL
    USING (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = actuals.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER')))
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = actuals.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER')));
-- (an alert keeps the owner of its pipeline when it was raised: a pipeline
-- made later under the same name by another role does not inherit it)
CREATE POLICY alerts_read ON cipred.alerts FOR SELECT
    USING (cipred_internal.may_read(coalesce(owner, raised_by))
           OR EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = alerts.pipeline AND p.owner = alerts.owner));
CREATE POLICY alerts_insert ON cipred.alerts FOR INSERT
    WITH CHECK (raised_by = CURRENT_USER AND
                (alerts.pipeline IS NULL AND owner IS NULL
                 OR EXISTS (SELECT 1 FROM cipred.pipelines p
                             WHERE p.name = alerts.pipeline AND p.owner = alerts.owner AND cipred_internal.has_role(p.owner, 'MEMBER'))));
-- (only resolved_at is granted for UPDATE: the rest of an alert is fixed)
CREATE POLICY alerts_update ON cipred.alerts FOR UPDATE
    USING (cipred_internal.has_role(coalesce(owner, raised_by), 'MEMBER'))
    WITH CHECK (cipred_internal.has_role(coalesce(owner, raised_by), 'MEMBER'));
-- (column grants: ids come from the sequences, so that nobody can take the
-- ids of other roles' future runs or alerts; a pipeline's name, owner and
-- source change only through drop and create)
GRANT SELECT, DELETE ON cipred.pipelines TO cipred_forecaster;
GRANT INSERT (name, source, series_column, time_column, target_column, method, horizon, levels, output_period,
              budget, folds, period, stale_action, description, search_path) ON cipred.pipelines TO cipred_forecaster;
GRANT UPDATE (description, cron_job, readers, backtest_retention, search_path) ON cipred.pipelines TO cipred_forecaster;
GRANT SELECT ON cipred.pipeline_runs, cipred.actuals, cipred.alerts TO cipred_forecaster;
GRANT INSERT (pipeline, started_at, budget, backend_start) ON cipred.pipeline_runs TO cipred_forecaster;
GRANT UPDATE (finished_at, duration, status, error, rows_read, series, forecasts, stale_series, budget_used, backtest_runs)
    ON cipred.pipeline_runs TO cipred_forecaster;
GRANT INSERT, UPDATE ON cipred.actuals TO cipred_forecaster;
GRANT INSERT (pipeline, run_id, kind, severity, message, detail, owner) ON cipred.alerts TO cipred_forecaster;
GRANT UPDATE (resolved_at) ON cipred.alerts TO cipred_forecaster;
GRANT SELECT, INSERT, DELETE ON cipred.forecasts TO cipred_forecaster;
GRANT USAGE ON SEQUENCE cipred.pipeline_runs_run_id_seq, cipred.alerts_alert_id_seq TO cipred_forecaster;
GRANT SELECT ON cipred.pipelines, cipred.pipeline_runs, cipred.forecasts, cipred.actuals, cipred.alerts TO cipred_reader;

SELECT pg_catalog.pg_extension_config_dump('cipred.pipelines', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.pipeline_runs', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.forecasts', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.actuals', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.alerts', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.pipeline_runs_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.alerts_alert_id_seq', '');

-- The owner of a pipeline name, whoever may see it (so that a taken or
-- unreadable name gets a clear error): reveals only that the name is taken
-- and by whom.
CREATE FUNCTION cipred_internal.pipeline_owner(name text) RETURNS name
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT p.owner FROM cipred.pipelines p WHERE p.name = pipeline_owner.name $$;
COMMENT ON FUNCTION cipred_internal.pipeline_owner(text) IS
'Support function of the pipeline functions: the owner of a pipeline name (NULL when there is none), whoever asks, so that a taken or unreadable name gets a clear error.';

-- A pipeline by name, or an error naming the calling function.
CREATE FUNCTION cipred_internal.pipeline_get(name text, what text) RETURNS cipred.pipelines
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines;
BEGIN
    SELECT * INTO p FROM cipred.pipelines x WHERE x.name = pipeline_get.name;
    IF NOT FOUND THEN
        IF cipred_internal.pipeline_owner(name) IS NOT NULL THEN
            RAISE EXCEPTION '%: pipeline "%" belongs to %', what, name, cipred_internal.pipeline_owner(name)
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Only its owner, a member of the owner''s role, or a superuser may run or change it; its owner may share it for reading with cipred.share_pipeline.';
        END IF;
        RAISE EXCEPTION '%: no pipeline named "%"', what, name
            USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM cipred.pipelines lists those you may see.';
    END IF;
    RETURN p;
END
$$;
COMMENT ON FUNCTION cipred_internal.pipeline_get(text, text) IS
'Support function of the pipeline functions: the pipeline of that name, or an error (42704) naming the calling function.';

-- A pipeline belongs to its owner: its source and the checks of it are the
-- owner's code.  The caller must be able to act as the owner.
CREATE FUNCTION cipred_internal.pipeline_check(p cipred.pipelines, what text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT cipred_internal.has_role(p.owner, 'MEMBER') THEN
        RAISE EXCEPTION '%: pipeline "%" belongs to %', what, p.name, p.owner
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only its owner, a member of the owner''s role, or a superuser may run or change it (its source always runs with the owner''s rights).';
    END IF;
END
$$;
COMMENT ON FUNCTION cipred_internal.pipeline_check(cipred.pipelines, text) IS
'Support function of the pipeline functions: an error (42501) naming the calling function unless the caller is the pipeline''s owner, a member of the owner''s role, or a superuser.';

-- The query that reads a source in the one shape the pipeline functions
-- use: s (the series key as text), t (timestamptz), y (float8, not NULL).
-- Checks the source and its columns; run as the pipeline's owner.
CREATE FUNCTION cipred_internal.pipeline_query(source text, series_column name, time_column name, target_column name)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    src text := cipred_internal.backtest_source(source);
    tx text;
BEGIN
    IF series_column IS NOT NULL THEN
        PERFORM cipred_internal.backtest_column(src, series_column, 'series column');
    END IF;
    tx := cipred_internal.backtest_time(src, time_column, 'time column');
    PERFORM cipred_internal.backtest_target(src, target_column);
    RETURN pg_catalog.format('SELECT %s AS s, %s AS t, %I::float8 AS y FROM %s WHERE %I IS NOT NULL',
                             cipred_internal.backtest_series(source, series_column), tx, target_column, src, target_column);
END
$$;
COMMENT ON FUNCTION cipred_internal.pipeline_query(text, name, name, name) IS
'Support function of the pipeline functions: checks a source and its columns and returns the query that reads it as s (series key, text), t (timestamptz) and y (float8, not NULL).';

-- A pipeline's source with columns s, t, y: a parenthesised query or a
-- temporary table, to be used as a FROM item or as a source.  Run by its
-- owner in the owner's own session (cipred.runs_as_itself: logged in as the
-- owner, no SET ROLE or SET SESSION AUTHORIZATION), the source is read in
-- place (so that fits can run in parallel workers), with the pipeline's
-- search_path.  Run by anyone else (a superuser, a member of the owner's
-- role, the owner under SET ROLE), the source runs as the owner in a
-- security-restricted operation (cipred.run_as) and its rows are copied to
-- a temporary table: the owner's code never runs with the caller's rights,
-- and the rest of the run reads only plain values.
CREATE FUNCTION cipred_internal.pipeline_source(p cipred.pipelines, what text) RETURNS text
LANGUAGE plpgsql VOLATILE
-- (not pinned: for a source read in place it sets the pipeline's
-- search_path until the calling function, which pins its own, returns)
AS $$
DECLARE
    q text;
BEGIN
    PERFORM cipred_internal.pipeline_check(p, what);
    SELECT x.q INTO q
      FROM cipred.run_as(p.owner, pg_catalog.format('SELECT cipred_internal.pipeline_query(%L, %L, %L, %L)',
                                                    p.source, p.series_column, p.time_column, p.target_column),
                         p.search_path) AS x(q text);
    IF cipred.runs_as_itself(p.owner) THEN
        PERFORM pg_catalog.set_config('search_path', p.search_path, true);
        RETURN '(' || q || ')';
    END IF;
    IF pg_catalog.to_regclass('pg_temp.cipred_pl_src') IS NOT NULL THEN
        DROP TABLE pg_temp.cipred_pl_src;
    END IF;
    CREATE TEMP TABLE cipred_pl_src (s text, t timestamptz, y float8);
    INSERT INTO pg_temp.cipred_pl_src SELECT * FROM cipred.run_as(p.owner, q, p.search_path) AS x(s text, t timestamptz, y float8);
    ANALYZE pg_temp.cipred_pl_src;
    RETURN 'pg_temp.cipred_pl_src';
END
$$;
COMMENT ON FUNCTION cipred_internal.pipeline_source(cipred.pipelines, text) IS
'Support function of the pipeline functions: the pipeline''s source, as a parenthesised query or a temporary table, with columns s (series), t (time) and y (target). The owner''s own run reads the source in place; anyone else''s run reads it as the owner in a security-restricted operation (cipred.run_as) into a temporary table, so the owner''s code never runs with the caller''s rights.';

-- Drops the copy of a source that pipeline_source made, if any.
CREATE FUNCTION cipred_internal.pipeline_release() RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF to_regclass('pg_temp.cipred_pl_src') IS NOT NULL THEN
        DROP TABLE pg_temp.cipred_pl_src;
    END IF;
END
$$;
COMMENT ON FUNCTION cipred_internal.pipeline_release() IS
'Support function of the pipeline functions: drops the temporary copy of a source made by cipred_internal.pipeline_source, if any.';

-- Raises an alert: a row in cipred.alerts and a NOTIFY on cipred_alerts
-- with the alert as JSON.
CREATE FUNCTION cipred.raise_alert(pipeline text, run_id bigint, kind text, severity text,
                                   message text, detail jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a cipred.alerts;
BEGIN
    IF kind IS NULL OR kind NOT IN ('failed', 'abandoned', 'budget', 'stale', 'drift', 'shift')
       OR severity IS NULL OR severity NOT IN ('warning', 'critical') OR message IS NULL THEN
        RAISE EXCEPTION 'raise_alert: kind must be failed, abandoned, budget, stale, drift or shift, severity warning or critical, and message not NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('kind was %s, severity %s.', coalesce(kind, 'NULL'), coalesce(severity, 'NULL'));
    END IF;
    INSERT INTO cipred.alerts (pipeline, run_id, kind, severity, message, detail, owner)
    VALUES (raise_alert.pipeline, raise_alert.run_id, raise_alert.kind, raise_alert.severity,
            raise_alert.message, coalesce(raise_alert.detail, '{}'),
            (SELECT p.owner FROM cipred.pipelines p WHERE p.name = raise_alert.pipeline))
    RETURNING * INTO a;
    -- (any role may LISTEN: the payload names the alert and its kind, not
    -- its message, which may quote the source's data; listeners read the row,
    -- which row-level security filters.  Payloads are not authenticated:
    -- anyone can NOTIFY this channel)
    PERFORM pg_notify('cipred_alerts', jsonb_build_object(
        'alert_id', a.alert_id, 'at', a.at, 'run_id', a.run_id, 'kind', a.kind, 'severity', a.severity)::text);
    RETURN a.alert_id;
END
$$;
COMMENT ON FUNCTION cipred.raise_alert(text, bigint, text, text, text, jsonb) IS
'Records an alert (kind failed, abandoned, budget, stale, drift or shift; severity warning or critical) and sends it with NOTIFY on the channel cipred_alerts as JSON (alert_id, at, run_id, kind, severity: read the row for the rest, as row-level security allows); returns its id.';

CREATE FUNCTION cipred.resolve_alert(alert_id bigint) RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ UPDATE cipred.alerts a SET resolved_at = now() WHERE a.alert_id = resolve_alert.alert_id AND a.resolved_at IS NULL $$;
COMMENT ON FUNCTION cipred.resolve_alert(bigint) IS 'Marks an alert resolved (it leaves cipred.open_alerts).';

CREATE FUNCTION cipred.create_pipeline(
    name text, source text, series_column name, time_column name, target_column name,
    horizon int, output_period interval,
    method jsonb DEFAULT '"auto"', levels float8[] DEFAULT '{80,95}', budget interval DEFAULT NULL,
    folds jsonb DEFAULT NULL, period int DEFAULT NULL, stale_action text DEFAULT 'alert',
    description text DEFAULT NULL, search_path text DEFAULT pg_catalog.current_setting('search_path'))
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ts_methods CONSTANT text[] := ARRAY(SELECT m.method FROM cipred.methods() WITH ORDINALITY m WHERE m.function = 'fit' ORDER BY m.ordinality);
    m text;
BEGIN
    IF name IS NULL OR source IS NULL OR time_column IS NULL OR target_column IS NULL
       OR horizon IS NULL OR output_period IS NULL OR method IS NULL THEN
        RAISE EXCEPTION 'create_pipeline: name, source, time_column, target_column, horizon, output_period and method must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Example: cipred.create_pipeline(''load_dayahead'', ''demand'', ''series'', ''ts'', ''mw'', 48, ''1 day'').';
    END IF;
    IF name !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$' THEN
        RAISE EXCEPTION 'create_pipeline: invalid pipeline name "%"', name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use 1 to 63 letters, digits, _ . : - (starting with a letter or digit).';
    END IF;
    IF cipred_internal.pipeline_owner(create_pipeline.name) IS NOT NULL THEN
        RAISE EXCEPTION 'create_pipeline: a pipeline named "%" exists (owned by %)', name, cipred_internal.pipeline_owner(create_pipeline.name)
            USING ERRCODE = 'duplicate_object', HINT = 'Drop it first with cipred.drop_pipeline(name), or choose another name.';
    END IF;
    PERFORM cipred_internal.require_privileges('create_pipeline', '{cipred.pipelines:INSERT}');
    IF horizon < 1 OR horizon > 100000 THEN
        RAISE EXCEPTION 'create_pipeline: horizon must be from 1 to 100000 steps'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('horizon was %s.', horizon);
    END IF;
    IF output_period <= '0' OR (budget IS NOT NULL AND budget <= '0') THEN
        RAISE EXCEPTION 'create_pipeline: output_period and budget must be positive intervals'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('output_period was %s, budget %s.', output_period, coalesce(budget::text, 'NULL'));
    END IF;
    IF budget > output_period THEN
        RAISE EXCEPTION 'create_pipeline: the budget (%) is longer than the output period (%)', budget, output_period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A pipeline must finish well inside the period it serves; the default budget is two thirds of it.';
    END IF;
    IF stale_action IS NULL OR stale_action NOT IN ('alert', 'fail') THEN
        RAISE EXCEPTION 'create_pipeline: stale_action must be alert or fail'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- a period is months, or days and time: a mix has no fixed length
    IF (extract(year FROM output_period) <> 0 OR extract(month FROM output_period) <> 0)
       AND (extract(day FROM output_period) <> 0 OR extract(epoch FROM output_period)
            <> extract(epoch FROM make_interval(years => extract(year FROM output_period)::int, months => extract(month FROM output_period)::int))) THEN
        RAISE EXCEPTION 'create_pipeline: output_period % mixes months with days or time', output_period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give whole months (''1 mon'') or days and time (''1 day'', ''6 hours'').';
    END IF;
    IF period IS NOT NULL AND (period < 1 OR period > 100000) THEN
        RAISE EXCEPTION 'create_pipeline: period must be from 1 to 100000 steps'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('period was %s.', period);
    END IF;
    IF folds IS NOT NULL AND (jsonb_typeof(folds) <> 'object'
        OR EXISTS (SELECT 1 FROM jsonb_each(folds) f
                    WHERE f.key NOT IN ('initial', 'n_folds', 'step', 'gap', 'window_size', 'max_folds')
                       OR jsonb_typeof(f.value) <> 'number' OR (f.value #>> '{}')::numeric <> trunc((f.value #>> '{}')::numeric)
                       OR (f.value #>> '{}')::numeric < 0 OR (f.value #>> '{}')::numeric > 100000000)) THEN
        RAISE EXCEPTION 'create_pipeline: folds must be a JSON object of fold options, each a whole number of points'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('folds was %s.', folds),
                  HINT = 'Fold options: initial, n_folds, step, gap, window_size, max_folds; e.g. ''{"n_folds": 6, "step": 3}''.';
    END IF;
    PERFORM cipred_internal.check_levels(levels, 'create_pipeline');
    -- the method: "auto" (options candidates), a cipred.fit method name, or
    -- {"method": ..., "options": {...}} / {"method": "auto", "candidates": [...]}
    IF jsonb_typeof(method) = 'string' THEN
        method := jsonb_build_object('method', method #>> '{}');
    END IF;
    m := method->>'method';
    IF jsonb_typeof(method) <> 'object' OR m IS NULL OR NOT (m = 'auto' OR m = ANY (ts_methods)) THEN
        RAISE EXCEPTION 'create_pipeline: unknown method %', method
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Methods: auto (the combined forecast of cipred.auto_forecast), ' || array_to_string(ts_methods, ', ') || '. Linear models on features need future feature values and are not served by pipelines yet.';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_object_keys(method) k WHERE k NOT IN ('method', 'options', 'candidates'))
       OR (m <> 'auto' AND method ? 'candidates') OR (m = 'auto' AND method ? 'options') THEN
        RAISE EXCEPTION 'create_pipeline: method keys are method and options (cipred.fit methods) or candidates (auto)'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('method was %s.', method);
    END IF;
    -- the options, and every candidate of auto, checked now rather than at
    -- the first run
    IF m <> 'auto' THEN
        IF jsonb_typeof(coalesce(method->'options', '{}')) <> 'object' THEN
            RAISE EXCEPTION 'create_pipeline: method options must be a JSON object'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('method was %s.', method);
        END IF;
        PERFORM cipred.check_fit_options(m, method->'options');
    ELSIF method ? 'candidates' THEN
        IF jsonb_typeof(method->'candidates') <> 'array' OR jsonb_array_length(method->'candidates') < 1 THEN
            RAISE EXCEPTION 'create_pipeline: candidates must be a non-empty JSON array of methods'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('candidates was %s.', method->'candidates');
        END IF;
        PERFORM cipred.check_fit_options(CASE WHEN jsonb_typeof(c) = 'string' THEN c #>> '{}' ELSE c->>'method' END,
                                         CASE WHEN jsonb_typeof(c) = 'object' THEN c->'options' END)
           FROM jsonb_array_elements(method->'candidates') c;
    END IF;
    -- the source is checked as its owner (the caller) in a security-
    -- restricted operation: under SET ROLE it cannot switch back
    IF create_pipeline.search_path IS NULL THEN
        RAISE EXCEPTION 'create_pipeline: search_path must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Omit it to use the current search_path.';
    END IF;
    PERFORM FROM cipred.run_as(current_user, format('SELECT cipred_internal.pipeline_query(%L, %L, %L, %L)',
                                                    source, series_column, time_column, target_column),
                               create_pipeline.search_path) AS x(q text);
    INSERT INTO cipred.pipelines (name, source, series_column, time_column, target_column, method, horizon,
                                  levels, output_period, budget, folds, period, stale_action, description, search_path)
    VALUES (name, source, series_column, time_column, target_column, method, horizon,
            coalesce(levels, '{}'), output_period, coalesce(budget, output_period * 2 / 3), folds, period,
            stale_action, description, create_pipeline.search_path);
    RETURN name;
END
$$;
COMMENT ON FUNCTION cipred.create_pipeline(text, text, name, name, name, int, interval, jsonb, float8[], interval, jsonb, int, text, text, text) IS
'Defines a pipeline: source table or query, series/time/target columns, horizon, the output period it serves, the method ("auto" by default, or a cipred.fit method with options), interval levels, run-time budget (default two thirds of the period), folds and seasonal period for auto, what a stale input does (alert or fail), and the search_path its source''s names resolve in (default: the current one), whoever runs it.';

CREATE FUNCTION cipred.drop_pipeline(name text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines := cipred_internal.pipeline_get(name, 'drop_pipeline');
BEGIN
    -- another role gets a clear error, not a silent no-op from row-level
    -- security
    PERFORM cipred_internal.pipeline_check(p, 'drop_pipeline');
    IF p.cron_job IS NOT NULL THEN
        PERFORM cipred.unschedule_pipeline(name);
    END IF;
    DELETE FROM cipred.pipelines x WHERE x.name = p.name;
END
$$;
COMMENT ON FUNCTION cipred.drop_pipeline(text) IS
'Drops a pipeline with its runs, forecasts, actuals (and unschedules it); its alerts stay.';

-- Sharing: a pipeline's owner lets another role read it (its definition,
-- runs, forecasts, actuals and alerts), or stops.
CREATE FUNCTION cipred.share_pipeline(name text, role name) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines := cipred_internal.pipeline_get(share_pipeline.name, 'share_pipeline');
BEGIN
    PERFORM cipred_internal.pipeline_check(p, 'share_pipeline');
    IF role IS NULL OR NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = share_pipeline.role) THEN
        RAISE EXCEPTION 'share_pipeline: role "%" does not exist', role
            USING ERRCODE = 'undefined_object', HINT = 'Give the name of an existing role (SELECT rolname FROM pg_roles).';
    END IF;
    UPDATE cipred.pipelines x SET readers = array_append(array_remove(x.readers, share_pipeline.role), share_pipeline.role)
     WHERE x.name = p.name;
END
$$;
COMMENT ON FUNCTION cipred.share_pipeline(text, name) IS
'Lets a role (and its members) read a pipeline: its definition, runs, forecasts, actuals and alerts, also through the views. Only the owner''s members may share.';

CREATE FUNCTION cipred.unshare_pipeline(name text, role name) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines := cipred_internal.pipeline_get(unshare_pipeline.name, 'unshare_pipeline');
BEGIN
    PERFORM cipred_internal.pipeline_check(p, 'unshare_pipeline');
    UPDATE cipred.pipelines x SET readers = array_remove(x.readers, unshare_pipeline.role) WHERE x.name = p.name;
END
$$;
COMMENT ON FUNCTION cipred.unshare_pipeline(text, name) IS
'Stops sharing a pipeline with a role (cipred.share_pipeline).';

-- Copies the actuals of forecast target times that have arrived in the
-- pipeline's source, with each series' MASE scale (over its data before
-- its first forecast origin).
CREATE FUNCTION cipred_internal.pipeline_actuals(p cipred.pipelines, src text) RETURNS bigint
LANGUAGE plpgsql VOLATILE
-- (no pinned search_path: the source resolves names as the session does)
AS $$
DECLARE
    n bigint;
BEGIN
    -- the MASE scale of each series over its data before its first origin,
    -- at the pipeline's period or the one of the series' own forecast grid
    EXECUTE pg_catalog.format(
        'WITH first_origin AS (SELECT f.series, min(f.origin) AS o,
                                      coalesce($2, (SELECT cipred.season_period(g.ts)
                                                      FROM (SELECT DISTINCT f2.ts FROM cipred.forecasts f2
                                                             WHERE f2.pipeline = $1 AND f2.series = f.series ORDER BY 1 LIMIT 3) g), 1) AS period
                                 FROM cipred.forecasts f WHERE f.pipeline = $1 GROUP BY 1),
              sc AS (SELECT fo.series, cipred.mase_scale(src.t, src.y, fo.period) AS scale
                       FROM first_origin fo JOIN %1$s src ON src.s = fo.series AND src.t <= fo.o GROUP BY 1)
         INSERT INTO cipred.actuals (pipeline, series, ts, actual, scale)
         SELECT DISTINCT ON (f.series, f.ts) $1, f.series, f.ts, src.y, nullif(sc.scale, 0)
           FROM cipred.forecasts f
           JOIN %1$s src ON src.s = f.series AND src.t = f.ts
           LEFT JOIN sc ON sc.series = f.series
          WHERE f.pipeline = $1
            AND NOT EXISTS (SELECT 1 FROM cipred.actuals a WHERE a.pipeline = $1 AND a.series = f.series AND a.ts = f.ts AND a.actual = src.y)
         ON CONFLICT (pipeline, series, ts) DO UPDATE SET actual = EXCLUDED.actual, scale = EXCLUDED.scale, recorded_at = now()',
        src)
    USING p.name, p.period;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION cipred_internal.pipeline_actuals(cipred.pipelines, text) IS
'Support function of refresh_actuals and run_pipeline: copies the arrived actuals of a pipeline''s forecast target times from its source read as a FROM item of cipred_internal.pipeline_source.';

CREATE FUNCTION cipred.refresh_actuals(pipeline text) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines := cipred_internal.pipeline_get(refresh_actuals.pipeline, 'refresh_actuals');
    n bigint;
BEGIN
    n := cipred_internal.pipeline_actuals(p, cipred_internal.pipeline_source(p, 'refresh_actuals'));
    PERFORM cipred_internal.pipeline_release();
    RETURN n;
END
$$;
COMMENT ON FUNCTION cipred.refresh_actuals(text) IS
'Copies into cipred.actuals the actuals that have arrived in a pipeline''s source for its forecast target times (and corrections of earlier ones); returns how many rows it wrote. run_pipeline calls it first.';

-- Runs that are 'running' but whose backend has gone (killed, crashed,
-- disconnected) are marked 'abandoned', with an alert each.  A backend is
-- known by its pid and start time; a pid that another role's backend holds
-- (its start time not visible) counts as alive.
CREATE FUNCTION cipred.mark_abandoned(pipeline text DEFAULT NULL) RETURNS int
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    n int := 0;
BEGIN
    FOR r IN
        UPDATE cipred.pipeline_runs x
           SET status = 'abandoned', finished_at = clock_timestamp(), duration = clock_timestamp() - x.started_at,
               budget_used = extract(epoch FROM clock_timestamp() - x.started_at) / extract(epoch FROM x.budget),
               error = format('the backend that ran it (pid %s) ended before the run finished: it was killed, crashed or lost its connection', x.pid)
         WHERE x.status = 'running'
           AND (mark_abandoned.pipeline IS NULL OR x.pipeline = mark_abandoned.pipeline)
           AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                            WHERE a.pid = x.pid AND (a.backend_start IS NULL OR x.backend_start IS NULL
                                                     OR a.backend_start = x.backend_start))
           AND EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = x.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER'))
        RETURNING x.*
    LOOP
        n := n + 1;
        PERFORM cipred.raise_alert(r.pipeline, r.run_id, 'abandoned', 'critical',
                                   format('pipeline %s: run %s started at %s was abandoned (its backend ended)', r.pipeline, r.run_id, r.started_at),
                                   jsonb_build_object('pid', r.pid, 'started_at', r.started_at, 'run_by', r.run_by));
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION cipred.mark_abandoned(text) IS
'Marks as abandoned the runs of a pipeline (NULL: of every pipeline the caller may act for) that are still running but whose backend has ended (killed, crashed, disconnected), raising a critical alert for each; returns how many. run_pipeline, execute_pipeline and check_drift call it first.';

-- A new run of a pipeline: its row, status 'running', with the backend
-- that runs it.
CREATE FUNCTION cipred_internal.pipeline_start(p cipred.pipelines) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rid bigint;
BEGIN
    PERFORM cipred.mark_abandoned(p.name);
    INSERT INTO cipred.pipeline_runs (pipeline, started_at, budget, backend_start)
    VALUES (p.name, clock_timestamp(), p.budget,
            (SELECT a.backend_start FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()))
    RETURNING run_id INTO rid;
    RETURN rid;
END
$$;
COMMENT ON FUNCTION cipred_internal.pipeline_start(cipred.pipelines) IS
'Support function of run_pipeline and execute_pipeline: marks the pipeline''s abandoned runs, then logs a new run (status running, with the pid and start time of its backend) and returns its id.';

-- The work of a run logged by pipeline_start, and its log; returns the
-- run's outcome.
CREATE FUNCTION cipred_internal.pipeline_run(p cipred.pipelines, rid bigint, OUT run_id bigint, OUT status text, OUT forecasts bigint,
                                    OUT duration interval, OUT budget_used float8, OUT error text)
RETURNS record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t0 timestamptz := (SELECT r.started_at FROM cipred.pipeline_runs r WHERE r.run_id = rid);
    src text;
    n_rows bigint;
    n_series int;
    n_fc bigint;
    n_stale int := 0;
    m text;
    msg text;
    det text;
    stale_list text;
    bts bigint[];
BEGIN
    run_id := rid;
    BEGIN
        -- the source with columns s, t, y (read as the owner: see
        -- cipred_internal.pipeline_source)
        src := cipred_internal.pipeline_source(p, 'run_pipeline');
        PERFORM cipred_internal.pipeline_actuals(p, src);
        -- freshness of a guarded source (read as the owner)
        IF p.source !~ '^\s*\(' AND EXISTS (SELECT 1 FROM cipred.guards g
                                             WHERE g.rel = (SELECT x.r FROM cipred.run_as(p.owner, format('SELECT pg_catalog.to_regclass(%L)', p.source),
                                                                                          p.search_path) AS x(r regclass))) THEN
            SELECT count(*) FILTER (WHERE f.stale), string_agg(f.series, ', ') FILTER (WHERE f.stale)
              INTO n_stale, stale_list
              FROM cipred.run_as(p.owner, format('SELECT f.series::text, f.stale FROM cipred.freshness(%L::regclass) f', p.source),
                                 p.search_path) AS f(series text, stale bool);
            IF n_stale > 0 AND p.stale_action = 'fail' THEN
                RAISE EXCEPTION 'the input of pipeline "%" is stale: % series overdue', p.name, n_stale
                    USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = left('Stale: ' || stale_list, 1000);
            END IF;
        END IF;
        EXECUTE format('SELECT count(*), count(DISTINCT src.s) FROM %s src', src) INTO n_rows, n_series;
        m := p.method->>'method';
        IF m = 'auto' THEN
            IF pg_catalog.to_regclass('pg_temp.cipred_pl_auto') IS NOT NULL THEN
                DROP TABLE pg_temp.cipred_pl_auto;
            END IF;
            IF pg_catalog.to_regclass('pg_temp.cipred_pl_origin') IS NOT NULL THEN
                DROP TABLE pg_temp.cipred_pl_origin;
            END IF;
            CREATE TEMP TABLE cipred_pl_auto AS
            SELECT * FROM cipred.auto_forecast(src, 's', 't', 'y', p.horizon,
                                               nullif(p.levels, '{}'), coalesce(p.method->'candidates', '["ets", "arima", "theta"]'),
                                               p.folds, p.period);
            EXECUTE format('CREATE TEMP TABLE cipred_pl_origin AS SELECT src.s, max(src.t) AS origin FROM %s src GROUP BY 1', src);
            INSERT INTO cipred.forecasts (pipeline, run_id, series, origin, ts, step, forecast, lo, hi, method, expected_mase)
            SELECT p.name, rid, a.series, o.origin, a.ts, a.step, a.forecast, a.lo, a.hi, a.strategy, a.expected_mase
              FROM pg_temp.cipred_pl_auto a JOIN pg_temp.cipred_pl_origin o ON o.s = a.series;
            GET DIAGNOSTICS n_fc = ROW_COUNT;
            SELECT array_agg(DISTINCT a.run_id) INTO bts FROM pg_temp.cipred_pl_auto a;
            DROP TABLE pg_temp.cipred_pl_auto, pg_temp.cipred_pl_origin;
        ELSE
            EXECUTE format(
                'INSERT INTO cipred.forecasts (pipeline, run_id, series, origin, ts, step, forecast, lo, hi, method)
                 SELECT $1, $2, x.s, x.origin, f.ts, f.step, f.forecast, f.lo, f.hi, $3
                   FROM (SELECT src.s, max(src.t) AS origin, cipred.fit(src.t, src.y, $3, $4) AS model
                           FROM %s src GROUP BY 1) x,
                        cipred.forecast(x.model, $5, $6) f
                  WHERE x.s IS NOT NULL', src)
            USING p.name, rid, m,
                  coalesce(p.method->'options', '{}') || CASE WHEN p.period IS NOT NULL AND NOT coalesce(p.method->'options', '{}') ? 'period'
                                                              THEN jsonb_build_object('period', p.period) ELSE '{}' END,
                  p.horizon, nullif(p.levels, '{}');
            GET DIAGNOSTICS n_fc = ROW_COUNT;
        END IF;
        UPDATE cipred.pipeline_runs r
           SET finished_at = clock_timestamp(), duration = clock_timestamp() - t0, status = 'succeeded',
               rows_read = n_rows, series = n_series, forecasts = n_fc, stale_series = n_stale, backtest_runs = bts,
               budget_used = extract(epoch FROM clock_timestamp() - t0) / extract(epoch FROM p.budget)
         WHERE r.run_id = rid;
    EXCEPTION WHEN OTHERS THEN
        -- nothing of the run's work stays (the block is rolled back); the
        -- run is logged as failed and an alert raised
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        UPDATE cipred.pipeline_runs r
           SET finished_at = clock_timestamp(), duration = clock_timestamp() - t0, status = 'failed',
               error = msg || CASE WHEN det <> '' THEN ' (' || det || ')' ELSE '' END,
               budget_used = extract(epoch FROM clock_timestamp() - t0) / extract(epoch FROM p.budget)
         WHERE r.run_id = rid;
        PERFORM cipred.raise_alert(p.name, rid, 'failed', 'critical',
                                   format('pipeline %s failed: %s', p.name, msg), jsonb_build_object('detail', det));
    END;
    -- a stale input raises one alert, which stays open until a run finds
    -- the input fresh again (then it is resolved)
    IF n_stale > 0 THEN
        IF NOT EXISTS (SELECT 1 FROM cipred.alerts a WHERE a.pipeline = p.name AND a.owner = p.owner
                                                    AND a.kind = 'stale' AND a.resolved_at IS NULL) THEN
            PERFORM cipred.raise_alert(p.name, rid, 'stale', 'warning',
                                       format('pipeline %s ran on stale input: %s series overdue', p.name, n_stale),
                                       jsonb_build_object('stale', left(stale_list, 1000)));
        END IF;
    ELSIF (SELECT r.status FROM cipred.pipeline_runs r WHERE r.run_id = rid) = 'succeeded' THEN
        -- (only a run that checked the input and found it fresh)
        UPDATE cipred.alerts a SET resolved_at = now()
         WHERE a.pipeline = p.name AND a.owner = p.owner AND a.kind = 'stale' AND a.resolved_at IS NULL;
    END IF;
    -- retention: the backtests behind the runs before the last
    -- backtest_retention runs go (their forecasts keep what they expected)
    -- (only succeeded runs count; a backtest goes only if the run that
    -- recorded it made it: run_by matches, so ids written into
    -- backtest_runs by hand cannot reach anyone else's backtests)
    DELETE FROM cipred.backtest_runs b
     USING cipred.pipeline_runs r
     WHERE r.pipeline = p.name AND r.status = 'succeeded' AND b.run_id = ANY (r.backtest_runs) AND b.run_by = r.run_by
       AND r.run_id NOT IN (SELECT r2.run_id FROM cipred.pipeline_runs r2
                             WHERE r2.pipeline = p.name AND r2.status = 'succeeded' ORDER BY r2.run_id DESC
                             LIMIT p.backtest_retention);
    SELECT r.status, r.forecasts, r.duration, r.budget_used, r.error
      INTO pipeline_run.status, pipeline_run.forecasts, pipeline_run.duration, pipeline_run.budget_used, pipeline_run.error
      FROM cipred.pipeline_runs r WHERE r.run_id = rid;
    IF pipeline_run.duration > p.budget THEN
        PERFORM cipred.raise_alert(p.name, rid, 'budget', 'warning',
                                   format('pipeline %s took %s, over its budget of %s', p.name, pipeline_run.duration, p.budget),
                                   jsonb_build_object('duration', pipeline_run.duration, 'budget', p.budget,
                                                      'budget_used', pipeline_run.budget_used));
    END IF;
    PERFORM cipred_internal.pipeline_release();
END
$$;
COMMENT ON FUNCTION cipred_internal.pipeline_run(cipred.pipelines, bigint) IS
'Support function of run_pipeline and execute_pipeline: the work of a logged run (actuals, freshness, fits, forecasts) and its outcome in the run log, with alerts.';

CREATE FUNCTION cipred.run_pipeline(name text, OUT run_id bigint, OUT status text, OUT forecasts bigint,
                                    OUT duration interval, OUT budget_used float8, OUT error text)
RETURNS record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines := cipred_internal.pipeline_get(run_pipeline.name, 'run_pipeline');
BEGIN
    PERFORM cipred_internal.pipeline_check(p, 'run_pipeline');
    PERFORM cipred_internal.require_privileges('run_pipeline', '{cipred.pipeline_runs:INSERT,cipred.pipeline_runs:UPDATE,cipred.forecasts:INSERT,cipred.actuals:INSERT,cipred.actuals:UPDATE,cipred.alerts:INSERT,cipred.alerts:UPDATE,cipred.backtest_runs:DELETE}');
    SELECT * INTO run_id, status, forecasts, duration, budget_used, error
      FROM cipred_internal.pipeline_run(p, cipred_internal.pipeline_start(p));
END
$$;
COMMENT ON FUNCTION cipred.run_pipeline(text) IS
'Runs a pipeline once: copies arrived actuals, checks the freshness of a guarded source, refits and forecasts every series, writes the forecasts as a new vintage, and logs the run. A failed run leaves no forecasts, is logged as failed with its error and raises an alert; a stale input or a run over its budget raises an alert too.';

-- The same run as a procedure that commits the run's start before its
-- work: a run whose backend is killed stays in the log as running, and the
-- next run or check marks it abandoned.  CALL it outside a transaction
-- block (pg_cron does).
CREATE PROCEDURE cipred.execute_pipeline(name text)
LANGUAGE plpgsql
AS $$
DECLARE
    p cipred.pipelines := cipred_internal.pipeline_get(execute_pipeline.name, 'execute_pipeline');
    rid bigint;
    r record;
BEGIN
    PERFORM cipred_internal.pipeline_check(p, 'execute_pipeline');
    PERFORM cipred_internal.require_privileges('execute_pipeline', '{cipred.pipeline_runs:INSERT,cipred.pipeline_runs:UPDATE,cipred.forecasts:INSERT,cipred.actuals:INSERT,cipred.actuals:UPDATE,cipred.alerts:INSERT,cipred.alerts:UPDATE,cipred.backtest_runs:DELETE}');
    rid := cipred_internal.pipeline_start(p);
    COMMIT;
    SELECT * INTO r FROM cipred_internal.pipeline_run(p, rid);
    -- (a procedure that commits cannot pin its search_path: every name here
    -- is qualified, and the work runs in cipred_internal.pipeline_run, which pins it)
    RAISE NOTICE 'execute_pipeline: run % of pipeline % %: % forecasts in %', r.run_id, p.name, r.status,
                 COALESCE(r.forecasts, 0), r.duration;
END
$$;
COMMENT ON PROCEDURE cipred.execute_pipeline(text) IS
'Runs a pipeline as run_pipeline does, but commits the run''s start (status running) before its work, so that a run whose backend is killed stays in the log and is marked abandoned (with an alert) by the next run or check. CALL it outside a transaction block; the pg_cron jobs of schedule_pipeline do.';

-- pg_cron: the schedule of an output period, or NULL when it has no cron
-- form (then the caller gives one)
CREATE FUNCTION cipred.cron_schedule(output_period interval) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- compared field by field: interval equality takes 30 days for a month
    mon int := extract(year FROM output_period)::int * 12 + extract(month FROM output_period)::int;
    d int := extract(day FROM output_period)::int;
    secs numeric := extract(hour FROM output_period) * 3600 + extract(minute FROM output_period) * 60
                    + extract(second FROM output_period);
BEGIN
    IF mon = 1 AND d = 0 AND secs = 0 THEN
        RETURN '0 0 1 * *';
    ELSIF mon <> 0 THEN
        RETURN NULL;
    ELSIF d = 7 AND secs = 0 THEN
        RETURN '0 0 * * 1';
    ELSIF (d = 1 AND secs = 0) OR (d = 0 AND secs = 86400) THEN
        RETURN '0 0 * * *';
    ELSIF d <> 0 THEN
        RETURN NULL;
    ELSIF secs = 60 THEN
        RETURN '* * * * *';
    ELSIF secs > 0 AND secs < 3600 AND secs % 60 = 0 AND 60 % (secs / 60) = 0 THEN
        RETURN format('*/%s * * * *', (secs / 60)::int);
    ELSIF secs = 3600 THEN
        RETURN '0 * * * *';
    ELSIF secs > 3600 AND secs < 86400 AND secs % 3600 = 0 AND 24 % (secs / 3600) = 0 THEN
        RETURN format('0 */%s * * *', (secs / 3600)::int);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION cipred.cron_schedule(interval) IS
'The pg_cron schedule that serves an output period (every n minutes dividing an hour, every n hours dividing a day, daily at midnight, weekly on Monday, monthly on the 1st), or NULL when there is none.';

CREATE FUNCTION cipred.schedule_pipeline(name text, schedule text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines;
    job bigint;
    preload text;
BEGIN
    p := cipred_internal.pipeline_get(schedule_pipeline.name, 'schedule_pipeline');
    PERFORM cipred_internal.pipeline_check(p, 'schedule_pipeline');
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'schedule_pipeline: pg_cron is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Install the Debian package postgresql-15-cron, add pg_cron to shared_preload_libraries (and set cron.database_name to this database) in postgresql.conf, restart the server, then CREATE EXTENSION pg_cron. Or run the pipeline from any scheduler with CALL cipred.execute_pipeline(name).';
    END IF;
    -- (shared_preload_libraries is readable only with pg_read_all_settings;
    -- without it, pg_cron's own error tells)
    BEGIN
        preload := current_setting('shared_preload_libraries');
    EXCEPTION WHEN insufficient_privilege THEN
        preload := NULL;
    END;
    IF preload IS NOT NULL AND NOT 'pg_cron' = ANY (string_to_array(replace(preload, ' ', ''), ',')) THEN
        RAISE EXCEPTION 'schedule_pipeline: pg_cron is installed but not preloaded'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add pg_cron to shared_preload_libraries in postgresql.conf and restart the server; its scheduler only runs when preloaded.';
    END IF;
    schedule := coalesce(schedule, cipred.cron_schedule(p.output_period));
    IF schedule IS NULL THEN
        RAISE EXCEPTION 'schedule_pipeline: no cron schedule serves the output period %', p.output_period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give one: cipred.schedule_pipeline(name, ''15 6 * * *'').';
    END IF;
    IF p.cron_job IS NOT NULL THEN
        PERFORM cipred.unschedule_pipeline(name);
    END IF;
    -- the job is the owner's: pg_cron runs it as its owner
    SELECT x.job INTO job
      FROM cipred.run_as(p.owner, format('SELECT cron.schedule(%L, %L, %L)', 'cipred:' || p.name, schedule,
                                         format('CALL cipred.execute_pipeline(%L)', p.name)),
                         NULL, true) AS x(job bigint);
    UPDATE cipred.pipelines x SET cron_job = job WHERE x.name = p.name;
    RETURN job;
END
$$;
COMMENT ON FUNCTION cipred.schedule_pipeline(text, text) IS
'Schedules a pipeline with pg_cron (job cipred:<name> running CALL cipred.execute_pipeline(name)), on the given cron schedule or the one that serves its output period; returns the pg_cron job id. A clear error when pg_cron is not installed or not preloaded.';

CREATE FUNCTION cipred.unschedule_pipeline(name text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines;
    job bigint;
BEGIN
    p := cipred_internal.pipeline_get(unschedule_pipeline.name, 'unschedule_pipeline');
    PERFORM cipred_internal.pipeline_check(p, 'unschedule_pipeline');
    job := p.cron_job;
    IF job IS NULL THEN
        RAISE EXCEPTION 'unschedule_pipeline: pipeline "%" is not scheduled', name USING ERRCODE = 'undefined_object';
    END IF;
    -- the job is the owner's
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        PERFORM FROM cipred.run_as(p.owner, format('SELECT cron.unschedule(%s::bigint)', job), NULL, true) AS x(done bool);
    END IF;
    UPDATE cipred.pipelines x SET cron_job = NULL WHERE x.name = unschedule_pipeline.name;
END
$$;
COMMENT ON FUNCTION cipred.unschedule_pipeline(text) IS 'Removes a pipeline''s pg_cron job.';

-- Monitoring ----------------------------------------------------------------

-- Page-Hinkley test for an increase of the mean of x (in order): m_t =
-- sum (x_i - mean_i - delta), alarm when m_t - min m > lambda.
CREATE FUNCTION cipred.page_hinkley(x float8[], delta float8 DEFAULT 0.1, lambda float8 DEFAULT 5,
    OUT statistic float8, OUT alarm_at int, OUT n int)
RETURNS record
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    mean float8 := 0;
    m float8 := 0;
    mmin float8 := 0;
    v float8;
BEGIN
    IF NOT (delta >= 0 AND delta < 'Infinity') OR NOT (lambda > 0 AND lambda < 'Infinity') THEN
        RAISE EXCEPTION 'page_hinkley: delta must be a finite number >= 0 and lambda a finite number > 0'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('delta was %s, lambda %s.', delta, lambda),
                  HINT = 'The defaults are delta 0.1 and lambda 5 (in the units of x).';
    END IF;
    n := 0;
    statistic := 0;
    FOREACH v IN ARRAY x LOOP
        CONTINUE WHEN v IS NULL;
        IF v IN ('NaN', 'Infinity', '-Infinity') THEN
            RAISE EXCEPTION 'page_hinkley: the values must be finite' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        n := n + 1;
        mean := mean + (v - mean) / n;
        m := m + v - mean - delta;
        mmin := least(mmin, m);
        statistic := m - mmin;
        IF statistic > lambda AND alarm_at IS NULL THEN
            alarm_at := n;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION cipred.page_hinkley(float8[], float8, float8) IS
'Page-Hinkley test for an increase in the mean of a sequence (NULLs skipped): the final statistic m_t - min m, the position of the first alarm (statistic > lambda) or NULL, and the count. delta is the tolerated increase.';

-- Population stability index of actual against expected, on the deciles
-- (or bins quantiles) of expected.
CREATE FUNCTION cipred.psi(expected float8[], actual float8[], bins int DEFAULT 10)
RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    edges float8[];
    r float8;
BEGIN
    IF bins < 2 OR bins > 100 THEN
        RAISE EXCEPTION 'psi: bins must be from 2 to 100' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(expected || actual) v WHERE v IN ('NaN', 'Infinity', '-Infinity')) THEN
        RAISE EXCEPTION 'psi: the values must be finite numbers'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave missing values out (NULLs are skipped).';
    END IF;
    IF cardinality(array_remove(expected, NULL)) < bins OR cardinality(array_remove(actual, NULL)) < 1 THEN
        RAISE EXCEPTION 'psi: expected needs at least % values and actual at least one', bins
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('expected has %s, actual %s.', cardinality(array_remove(expected, NULL)), cardinality(array_remove(actual, NULL)));
    END IF;
    SELECT array_agg(q ORDER BY k) INTO edges
      FROM (SELECT k, percentile_disc(k::float8 / bins) WITHIN GROUP (ORDER BY e) AS q
              FROM unnest(expected) e, generate_series(1, bins - 1) k WHERE e IS NOT NULL GROUP BY k) x;
    -- each value's bin: the number of edges below it; empty bins count 0.5
    -- values (so that the logarithm stays finite)
    SELECT sum((a - e) * ln(a / e)) INTO r
      FROM (SELECT b, greatest(ce, 0.5) / ne AS e, greatest(ca, 0.5) / na AS a
              FROM generate_series(0, bins - 1) b
              LEFT JOIN (SELECT width_bucket(v, edges) AS b1, count(*)::float8 AS ce FROM unnest(expected) v WHERE v IS NOT NULL GROUP BY 1) xe ON xe.b1 = b
              LEFT JOIN (SELECT width_bucket(v, edges) AS b2, count(*)::float8 AS ca FROM unnest(actual) v WHERE v IS NOT NULL GROUP BY 1) xa ON xa.b2 = b,
              (SELECT count(v)::float8 AS ne FROM unnest(expected) v) n1,
              (SELECT count(v)::float8 AS na FROM unnest(actual) v) n2) t;
    RETURN r;
END
$$;
COMMENT ON FUNCTION cipred.psi(float8[], float8[], int) IS
'Population stability index of actual against expected over the bins quantile bins of expected: sum (a - e) ln(a / e) of the bin shares. Below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a major shift.';

CREATE FUNCTION cipred.check_drift(pipeline text, delta float8 DEFAULT 0.1, lambda float8 DEFAULT 5,
    psi_window interval DEFAULT NULL, psi_threshold float8 DEFAULT 0.25,
    OUT series text, OUT check_kind text, OUT statistic float8, OUT threshold float8, OUT alarm bool, OUT alert_id bigint)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines;
    r record;
    src text;
BEGIN
    IF NOT (delta >= 0 AND delta < 'Infinity') OR NOT (lambda > 0 AND lambda < 'Infinity')
       OR psi_window <= '0' OR NOT (psi_threshold >= 0 AND psi_threshold < 'Infinity') THEN
        RAISE EXCEPTION 'check_drift: delta must be a finite number >= 0, lambda a finite number > 0, psi_window positive and psi_threshold a finite number >= 0'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('delta was %s, lambda %s, psi_window %s, psi_threshold %s.', delta, lambda,
                                  coalesce(psi_window::text, 'NULL'), coalesce(psi_threshold::text, 'NULL')),
                  HINT = 'The defaults are delta 0.1, lambda 5 (in MASE units) and psi_threshold 0.25.';
    END IF;
    p := cipred_internal.pipeline_get(check_drift.pipeline, 'check_drift');
    -- the source with columns s, t, y, read as the owner
    src := cipred_internal.pipeline_source(p, 'check_drift');
    PERFORM cipred.mark_abandoned(p.name);
    PERFORM cipred_internal.pipeline_actuals(p, src);
    -- forecast errors: one value per run (vintage), its mean absolute
    -- scaled error over the target times whose actuals have arrived, in
    -- run order (errors within a vintage grow with the horizon: mixing
    -- them would look like drift)
    FOR r IN
        SELECT e.series AS s, (cipred.page_hinkley(array_agg(e.err ORDER BY e.run_id), delta, lambda)).*
          FROM (SELECT f.series, f.run_id, avg(abs(a.actual - f.forecast) / a.scale) AS err
                  FROM cipred.forecasts f
                  JOIN cipred.actuals a ON a.pipeline = f.pipeline AND a.series = f.series AND a.ts = f.ts
                 WHERE f.pipeline = p.name AND a.scale > 0
                 GROUP BY f.series, f.run_id) e
         GROUP BY e.series ORDER BY e.series
    LOOP
        series := r.s; check_kind := 'page_hinkley'; statistic := r.statistic; threshold := lambda;
        alarm := r.alarm_at IS NOT NULL; alert_id := NULL;
        IF alarm THEN
            alert_id := cipred.raise_alert(p.name, NULL, 'drift', 'warning',
                format('pipeline %s: forecast errors of series %s drift upwards (Page-Hinkley %s > %s)', p.name, r.s,
                       round(r.statistic::numeric, 2), lambda),
                jsonb_build_object('series', r.s, 'statistic', r.statistic, 'lambda', lambda, 'delta', delta, 'alarm_at', r.alarm_at));
        END IF;
        RETURN NEXT;
    END LOOP;
    -- input shift: the target's recent window against its history
    IF psi_window IS NOT NULL THEN
        FOR r IN EXECUTE format(
            'WITH src AS (SELECT * FROM %s src),
                  lim AS (SELECT s, max(t) - $1 AS cut FROM src GROUP BY s)
             SELECT src.s, array_agg(src.y) FILTER (WHERE src.t <= lim.cut) AS hist, array_agg(src.y) FILTER (WHERE src.t > lim.cut) AS recent
               FROM src JOIN lim USING (s) GROUP BY src.s ORDER BY src.s', src)
        USING psi_window
        LOOP
            CONTINUE WHEN r.hist IS NULL OR cardinality(r.hist) < 10 OR r.recent IS NULL;
            series := r.s; check_kind := 'psi'; statistic := cipred.psi(r.hist, r.recent); threshold := psi_threshold;
            alarm := statistic > psi_threshold; alert_id := NULL;
            IF alarm THEN
                alert_id := cipred.raise_alert(p.name, NULL, 'shift', 'warning',
                    format('pipeline %s: the input of series %s shifted (PSI %s > %s over the last %s)', p.name, r.s,
                           round(statistic::numeric, 3), psi_threshold, psi_window),
                    jsonb_build_object('series', r.s, 'psi', statistic, 'threshold', psi_threshold, 'window', psi_window));
            END IF;
            RETURN NEXT;
        END LOOP;
    END IF;
    PERFORM cipred_internal.pipeline_release();
END
$$;
COMMENT ON FUNCTION cipred.check_drift(text, float8, float8, interval, float8) IS
'Monitoring of a pipeline: per series, a Page-Hinkley test on the mean absolute scaled error of each run''s forecasts whose actuals have arrived, in run order (delta tolerated increase, alarm above lambda; defaults 0.1 and 5 in MASE units), and with psi_window the population stability index of the target over that recent window against its history (alarm above psi_threshold, default 0.25). Every alarm raises an alert.';

-- Views for BI tools ----------------------------------------------------------

CREATE VIEW cipred.latest_forecasts WITH (security_invoker = true) AS
SELECT f.pipeline, f.series, f.origin, f.ts, f.step, f.forecast,
       f.lo[array_position(p.levels, 80)] AS lo_80, f.hi[array_position(p.levels, 80)] AS hi_80,
       f.lo[array_position(p.levels, 95)] AS lo_95, f.hi[array_position(p.levels, 95)] AS hi_95,
       a.actual, f.method, f.run_id, r.finished_at AS made_at
FROM cipred.forecasts f
JOIN cipred.pipelines p ON p.name = f.pipeline
JOIN cipred.pipeline_runs r ON r.run_id = f.run_id
LEFT JOIN cipred.actuals a ON a.pipeline = f.pipeline AND a.series = f.series AND a.ts = f.ts
WHERE f.run_id = (SELECT max(r2.run_id) FROM cipred.pipeline_runs r2 WHERE r2.pipeline = f.pipeline AND r2.status = 'succeeded');
COMMENT ON VIEW cipred.latest_forecasts IS
'The latest successful vintage of every pipeline: forecasts with their 80% and 95% bounds (NULL when the pipeline has not that level) next to the actuals that have arrived.';

CREATE VIEW cipred.forecast_vintages WITH (security_invoker = true) AS
SELECT f.pipeline, f.series, f.ts, f.origin, f.step, f.forecast,
       f.lo[array_position(p.levels, 80)] AS lo_80, f.hi[array_position(p.levels, 80)] AS hi_80,
       f.lo[array_position(p.levels, 95)] AS lo_95, f.hi[array_position(p.levels, 95)] AS hi_95,
       a.actual, f.forecast - a.actual AS error, f.method, f.run_id, r.finished_at AS made_at
FROM cipred.forecasts f
JOIN cipred.pipelines p ON p.name = f.pipeline
JOIN cipred.pipeline_runs r ON r.run_id = f.run_id
LEFT JOIN cipred.actuals a ON a.pipeline = f.pipeline AND a.series = f.series AND a.ts = f.ts;
COMMENT ON VIEW cipred.forecast_vintages IS
'Every forecast ever made for each target time (one row per vintage), with its origin, step and, once known, the actual and the error.';

CREATE VIEW cipred.pipeline_accuracy WITH (security_invoker = true) AS
SELECT f.pipeline, f.series, f.step, count(*) AS points,
       cipred.mae(a.actual, f.forecast) AS mae, cipred.rmse(a.actual, f.forecast) AS rmse,
       cipred.smape(a.actual, f.forecast) AS smape, cipred.mase(a.actual, f.forecast, a.scale) AS mase,
       cipred.coverage(a.actual, f.lo[array_position(p.levels, 80)], f.hi[array_position(p.levels, 80)]) AS coverage_80,
       cipred.coverage(a.actual, f.lo[array_position(p.levels, 95)], f.hi[array_position(p.levels, 95)]) AS coverage_95,
       avg(f.expected_mase) AS expected_mase
FROM cipred.forecasts f
JOIN cipred.pipelines p ON p.name = f.pipeline
JOIN cipred.actuals a ON a.pipeline = f.pipeline AND a.series = f.series AND a.ts = f.ts
GROUP BY f.pipeline, f.series, f.step;
COMMENT ON VIEW cipred.pipeline_accuracy IS
'Realised accuracy per pipeline, series and horizon step over every vintage whose actual has arrived (MAE, RMSE, sMAPE, MASE, 80%/95% coverage), next to the out-of-fold MASE that the backtests of auto runs expected for the chosen strategy at that step (averaged over those vintages).';

CREATE VIEW cipred.accuracy_over_time WITH (security_invoker = true) AS
SELECT f.pipeline, date_trunc('day', f.ts) AS day, count(*) AS points,
       cipred.mae(a.actual, f.forecast) AS mae, cipred.smape(a.actual, f.forecast) AS smape,
       cipred.mase(a.actual, f.forecast, a.scale) AS mase,
       cipred.coverage(a.actual, f.lo[array_position(p.levels, 95)], f.hi[array_position(p.levels, 95)]) AS coverage_95
FROM cipred.forecasts f
JOIN cipred.pipelines p ON p.name = f.pipeline
JOIN cipred.actuals a ON a.pipeline = f.pipeline AND a.series = f.series AND a.ts = f.ts
GROUP BY f.pipeline, date_trunc('day', f.ts);
COMMENT ON VIEW cipred.accuracy_over_time IS 'Realised accuracy per pipeline and day of the target time.';

CREATE VIEW cipred.model_leaderboard WITH (security_invoker = true) AS
SELECT s.run_id, r.source, r.started_at, s.method, s.points, s.mae, s.rmse, s.smape, s.mase,
       s.coverage[1] AS coverage_level_1, s.coverage[2] AS coverage_level_2,
       rank() OVER (PARTITION BY s.run_id ORDER BY s.mase NULLS LAST) AS rank
FROM cipred.backtest_scores s JOIN cipred.backtest_runs r USING (run_id)
WHERE s.step IS NULL;
COMMENT ON VIEW cipred.model_leaderboard IS
'Every backtest run''s methods ranked by out-of-fold MASE, with their MAE, RMSE, sMAPE and interval coverage (at the run''s first and second levels).';

CREATE VIEW cipred.run_history WITH (security_invoker = true) AS
SELECT r.run_id, r.pipeline, r.started_at, r.finished_at, extract(epoch FROM r.duration) AS seconds,
       r.status, r.error, r.rows_read, r.series, r.forecasts, r.stale_series,
       extract(epoch FROM r.budget) AS budget_seconds, r.budget_used, r.budget_used > 1 AS over_budget, r.run_by
FROM cipred.pipeline_runs r;
COMMENT ON VIEW cipred.run_history IS 'Every pipeline run with its duration and budget use in seconds, status and error.';

CREATE VIEW cipred.open_alerts WITH (security_invoker = true) AS
SELECT alert_id, at, pipeline, run_id, kind, severity, message, detail::text AS detail
FROM cipred.alerts WHERE resolved_at IS NULL;
COMMENT ON VIEW cipred.open_alerts IS 'Alerts not resolved yet (cipred.resolve_alert closes one).';

-- the views read the tables with the reader's rights: cipred_reader reads
-- every pipeline's, cipred_forecaster its own
GRANT SELECT ON cipred.latest_forecasts, cipred.forecast_vintages, cipred.pipeline_accuracy, cipred.accuracy_over_time,
                cipred.model_leaderboard, cipred.run_history, cipred.open_alerts TO cipred_forecaster, cipred_reader;
