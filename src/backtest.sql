-- backtest.sql - rolling-origin backtests run on a table or query: every
-- series x fold x method fitted on its training window only and forecast over
-- its test window, with exogenous features joined as of each origin

CREATE TABLE cipred.backtest_runs (
    run_id bigserial PRIMARY KEY,
    source text NOT NULL,
    spec jsonb NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    duration interval NOT NULL,
    rows_read bigint NOT NULL,
    series int NOT NULL,
    folds int NOT NULL,
    forecasts bigint NOT NULL,
    run_by name NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE cipred.backtest_runs IS
'One row per completed cipred.backtest call: its full specification (so that it can be repeated), when it ran, how long it took, and how much it read and wrote. A backtest that fails leaves no row (it is one transaction).';

CREATE TABLE cipred.backtest_forecasts (
    run_id bigint NOT NULL REFERENCES cipred.backtest_runs ON DELETE CASCADE,
    series text NOT NULL,
    method text NOT NULL,
    fold int NOT NULL,
    origin timestamptz NOT NULL,
    ts timestamptz NOT NULL,
    step int NOT NULL,
    actual float8 NOT NULL,
    forecast float8,
    lo float8[],
    hi float8[],
    mase_scale float8,
    rmsse_scale float8,
    PRIMARY KEY (run_id, method, series, fold, ts)
);
COMMENT ON TABLE cipred.backtest_forecasts IS
'Out-of-fold forecasts of cipred.backtest: for each run, method, series and fold, the test points with their horizon step (grid steps after the origin), actual, forecast and interval bounds (lo[i], hi[i] at the run''s levels[i]), and the MASE and RMSSE scales of the fold''s training window.';

CREATE TABLE cipred.backtest_scores (
    run_id bigint NOT NULL REFERENCES cipred.backtest_runs ON DELETE CASCADE,
    method text NOT NULL,
    step int,
    points bigint NOT NULL,
    mae float8, rmse float8, smape float8, mase float8, rmsse float8, bias float8,
    coverage float8[], winkler float8[]
);
CREATE INDEX backtest_scores_run ON cipred.backtest_scores (run_id, method, step);
COMMENT ON TABLE cipred.backtest_scores IS
'The summary of each backtest run by method and horizon step (step NULL: all steps): accuracy aggregates over the out-of-fold forecasts; coverage[i] and winkler[i] at the run''s levels[i].';

CREATE TABLE cipred.backtest_features (
    run_id bigint NOT NULL REFERENCES cipred.backtest_runs ON DELETE CASCADE,
    method text NOT NULL,
    feature text NOT NULL,
    cost_ms float8 NOT NULL,
    points bigint NOT NULL,
    mae_with float8, mae_without float8,
    mase_with float8, mase_without float8,
    PRIMARY KEY (run_id, method, feature)
);
COMMENT ON TABLE cipred.backtest_features IS
'What each feature of a linear model is worth in a backtest run: out-of-fold MAE and MASE of the method with all its features and without this one (refitted on the same folds), and the time spent reading the feature and joining it as of each origin (cost_ms).';

-- the training windows of a running backtest's folds, one row per series x
-- fold, so that a parallel scan fits them in the parallel workers (temporary
-- tables cannot be read by them); rows live only during their backtest
CREATE UNLOGGED TABLE cipred.backtest_work (
    token uuid NOT NULL,
    run_id bigint NOT NULL,
    series text NOT NULL,
    fold int NOT NULL,
    origin_ts timestamptz NOT NULL,
    test_start int NOT NULL,
    test_end int NOT NULL,
    mase_scale float8,
    rmsse_scale float8,
    ts timestamptz[] NOT NULL,
    y float8[] NOT NULL,
    run_by name NOT NULL DEFAULT CURRENT_USER
) WITH (parallel_workers = 8, fillfactor = 10);  -- a row per page: workers share the fits evenly
COMMENT ON TABLE cipred.backtest_work IS
'Work rows of running backtests (one per series x fold: the training window as arrays), read by a parallel scan so that the fits run in parallel workers; emptied by each backtest before it ends. Each user sees only their own rows, and a backtest reads only the rows of its own random token, so rows planted by someone else never reach it.';
ALTER TABLE cipred.backtest_work ENABLE ROW LEVEL SECURITY;
CREATE POLICY backtest_work_own ON cipred.backtest_work USING (run_by = CURRENT_USER) WITH CHECK (run_by = CURRENT_USER);
GRANT SELECT, INSERT, DELETE ON cipred.backtest_work TO PUBLIC, cipred_forecaster;

SELECT pg_catalog.pg_extension_config_dump('cipred.backtest_runs', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.backtest_forecasts', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.backtest_scores', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.backtest_features', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.backtest_runs_run_id_seq', '');

-- a run belongs to its author, who alone may add to it or delete it; it is
-- read by the author's role and by cipred_reader (a run holds the source's
-- name and its actual values)
ALTER TABLE cipred.backtest_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY backtest_runs_read ON cipred.backtest_runs FOR SELECT USING (cipred_internal.may_read(run_by));
CREATE POLICY backtest_runs_own_insert ON cipred.backtest_runs FOR INSERT WITH CHECK (run_by = CURRENT_USER);
CREATE POLICY backtest_runs_own_update ON cipred.backtest_runs FOR UPDATE USING (run_by = CURRENT_USER);
CREATE POLICY backtest_runs_own_delete ON cipred.backtest_runs FOR DELETE USING (run_by = CURRENT_USER);
-- (no INSERT of run_id: ids come from the sequence, so that nobody can take
-- the ids of other roles' future runs)
-- (also named for cipred_forecaster: it keeps working if PUBLIC's grants
-- are revoked)
GRANT SELECT, DELETE ON cipred.backtest_runs TO PUBLIC, cipred_forecaster;
GRANT INSERT (source, spec, started_at, finished_at, duration, rows_read, series, folds, forecasts) ON cipred.backtest_runs TO PUBLIC, cipred_forecaster;
GRANT UPDATE (finished_at, duration, forecasts) ON cipred.backtest_runs TO PUBLIC, cipred_forecaster;
GRANT USAGE ON SEQUENCE cipred.backtest_runs_run_id_seq TO PUBLIC, cipred_forecaster;
GRANT SELECT, INSERT ON cipred.backtest_forecasts, cipred.backtest_scores, cipred.backtest_features TO PUBLIC, cipred_forecaster;
GRANT SELECT ON cipred.backtest_runs, cipred.backtest_forecasts, cipred.backtest_scores, cipred.backtest_features TO cipred_reader;
-- the forecasts, scores and features of a run: inserted for one's own runs
-- (by run id; their own primary keys hold the run id, so no one else's)
-- rows are added only to one's own runs
ALTER TABLE cipred.backtest_forecasts ENABLE ROW LEVEL SECURITY;
ALTER TABLE cipred.backtest_scores ENABLE ROW LEVEL SECURITY;
ALTER TABLE cipred.backtest_features ENABLE ROW LEVEL SECURITY;
-- (the subquery sees only the runs the reader may read)
CREATE POLICY backtest_forecasts_read ON cipred.backtest_forecasts FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.backtest_runs r WHERE r.run_id = backtest_forecasts.run_id));
CREATE POLICY backtest_scores_read ON cipred.backtest_scores FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.backtest_runs r WHERE r.run_id = backtest_scores.run_id));
CREATE POLICY backtest_features_read ON cipred.backtest_features FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.backtest_runs r WHERE r.run_id = backtest_features.run_id));
CREATE POLICY backtest_forecasts_own ON cipred.backtest_forecasts FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.backtest_runs r WHERE r.run_id = backtest_forecasts.run_id AND r.run_by = CURRENT_USER));
CREATE POLICY backtest_scores_own ON cipred.backtest_scores FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.backtest_runs r WHERE r.run_id = backtest_scores.run_id AND r.run_by = CURRENT_USER));
CREATE POLICY backtest_features_own ON cipred.backtest_features FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.backtest_runs r WHERE r.run_id = backtest_features.run_id AND r.run_by = CURRENT_USER));

-- These functions do not pin search_path: a query source and feature sources
-- are the caller's own SQL and must resolve names as the caller would.  They
-- run with the caller's rights (no SECURITY DEFINER), schema-qualify
-- cipred's objects, and name their work tables pg_temp.cipred_bt_*
-- explicitly, so nothing of the caller's can stand in for them.

-- A source given as text: a table or view name (resolved as regclass, so a
-- hostile name is only ever a name) or one parenthesised SELECT, checked to
-- be a single SELECT (no other statement, no data-modifying WITH) before
-- anything runs; it runs with the caller's rights.  Returns a FROM item.
CREATE FUNCTION cipred_internal.backtest_source(source text, what text DEFAULT 'source')
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    rel regclass;
    c refcursor;
BEGIN
    IF source IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', what
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give a table or view name, or a query in parentheses such as ''(SELECT * FROM readings WHERE site = 3)''.';
    END IF;
    IF source ~ '^\s*\(' THEN
        -- a cursor only opens on exactly one SELECT: several statements or
        -- a data-modifying WITH fail here, before anything is executed
        BEGIN
            OPEN c FOR EXECUTE 'SELECT * FROM ' || source || ' AS cipred_src LIMIT 0';
            CLOSE c;
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION '% is not a single query in parentheses: %', what, SQLERRM
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('%s was: %s', what, left(source, 200)),
                      HINT = 'Give a table or view name, or one SELECT in parentheses.';
        END;
        RETURN source || ' AS cipred_src';
    END IF;
    BEGIN
        rel := source::regclass;
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION '% "%" is not a table or view: %', what, left(source, 200), SQLERRM
            USING ERRCODE = CASE WHEN SQLSTATE IN ('42P01', '3F000') THEN SQLSTATE ELSE '42602' END,
                  HINT = 'Give an existing table or view name (schema-qualified if needed), or one SELECT in parentheses.';
    END;
    RETURN rel::text || ' AS cipred_src';
END
$$;
COMMENT ON FUNCTION cipred_internal.backtest_source(text, text) IS
'Support function of cipred.backtest: resolves a table or view name, or checks that a parenthesised query is one SELECT (no other statement, no data-modifying WITH), and returns it as a FROM item.';

-- The type of a column of a FROM item, or an error naming the column.
CREATE FUNCTION cipred_internal.backtest_column(from_item text, col name, what text)
RETURNS regtype
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    t regtype;
BEGIN
    IF col IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- the column's declared type, from no rows (pg_typeof of the NULL that
    -- an outer join gives): no temporary table, so that it also runs in a
    -- security-restricted operation (cipred.run_as).  The column is named
    -- bare (cipred_src.name would also accept a function of the row, such
    -- as text); the bare alias itself would be the whole row.
    BEGIN
        EXECUTE pg_catalog.format('SELECT pg_catalog.pg_typeof(c.v)::pg_catalog.regtype
                                     FROM (VALUES (1)) cipred_one LEFT JOIN (SELECT %I AS v FROM %s LIMIT 0) c ON true',
                                  col, from_item) INTO t;
    EXCEPTION WHEN undefined_column THEN
        t := NULL;
    END;
    IF col = 'cipred_src' AND t IS NOT NULL
       AND (SELECT ty.typtype IN ('c', 'p') FROM pg_catalog.pg_type ty WHERE ty.oid = t) THEN
        t := NULL;
    END IF;
    IF t IS NULL THEN
        RAISE EXCEPTION '% "%" does not exist in %', what, col, pg_catalog.regexp_replace(from_item, ' AS cipred_src$', '')
            USING ERRCODE = 'undefined_column',
                  HINT = 'Give the name of a column of the source (names are case-sensitive).';
    END IF;
    RETURN t;
END
$$;
COMMENT ON FUNCTION cipred_internal.backtest_column(text, name, text) IS
'Support function of cipred.backtest: the type of a column of a source, or an error naming it.';

-- Drops the named work tables from pg_temp, those that exist (left over
-- only by an error caught in the caller's own exception block).
CREATE FUNCTION cipred_internal.drop_work_tables(tables text[]) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        IF pg_catalog.to_regclass('pg_temp.' || pg_catalog.quote_ident(t)) IS NOT NULL THEN
            EXECUTE 'DROP TABLE pg_temp.' || pg_catalog.quote_ident(t);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION cipred_internal.drop_work_tables(text[]) IS
'Support function of cipred.backtest and cipred.auto_forecast: drops the named work tables from pg_temp when they exist.';

-- One linear model over every series x fold, by the moving aggregate: the
-- training rows' features do not depend on the origin (each is as of its
-- own time), so one ordered pass per series yields the model at every origin
-- (sufficient statistics updated row by row, removed row by row for a
-- sliding window).  Test rows use the features as of their fold's origin.
CREATE FUNCTION cipred_internal.backtest_linreg(rid bigint, mname text, feats text[], all_names text[],
    opts jsonb, window_size int, levels float8[], dest text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    xexpr text;
    has_x bool := cardinality(all_names) > 0;
    old_level text := pg_catalog.current_setting('client_min_messages');
BEGIN
    IF cardinality(feats) = 0 THEN
        xexpr := '''{}''::float8[]';
    ELSE
        xexpr := 'ARRAY[' || (SELECT pg_catalog.string_agg(pg_catalog.format('%%1$s.x[%s]', pg_catalog.array_position(all_names, g)), ', ' ORDER BY o)
                                FROM pg_catalog.unnest(feats) WITH ORDINALITY u(g, o)) || ']';
    END IF;
    -- the early rows of each series give degenerate models (one point, a
    -- constant feature): their notices would only be noise
    PERFORM pg_catalog.set_config('client_min_messages', 'warning', true);
    -- the model at every origin, kept for the feature-worth refits
    IF pg_catalog.to_regclass('pg_temp.cipred_bt_lm') IS NOT NULL THEN
        DROP TABLE pg_temp.cipred_bt_lm;
    END IF;
    EXECUTE pg_catalog.format(
        'CREATE TEMP TABLE pg_temp.cipred_bt_lm AS
         SELECT w.s, f.fold, f.origin, f.origin_ts, f.test_start, f.test_end, f.mscale, f.rscale, w.model
         FROM (SELECT d.s, d.pos, cipred.linreg(d.y, %1$s, $1, $2) OVER (PARTITION BY d.s ORDER BY d.pos %2$s) AS model
                 FROM pg_temp.cipred_bt_data d %3$s) w
         JOIN pg_temp.cipred_bt_folds f ON f.s = w.s AND f.origin = w.pos',
        pg_catalog.format(xexpr, 'x'),
        CASE WHEN window_size IS NULL THEN 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW'
             ELSE pg_catalog.format('ROWS BETWEEN %s PRECEDING AND CURRENT ROW', window_size - 1) END,
        CASE WHEN has_x THEN 'JOIN pg_temp.cipred_bt_x x ON x.s = d.s AND x.pos = d.pos' ELSE 'CROSS JOIN (SELECT NULL::float8[] AS x) x' END)
    USING feats, opts;
    EXECUTE pg_catalog.format(
        'INSERT INTO %1$s
         SELECT $1, w.s, $2, w.fold, w.origin_ts, t.t, t.pos - w.origin, d.y,
                cipred.predict(w.model, %2$s), iv.lo, iv.hi, w.mscale, w.rscale
         FROM pg_temp.cipred_bt_lm w
         JOIN %3$s t ON t.s = w.s AND t.pos BETWEEN w.test_start AND w.test_end %4$s
         JOIN pg_temp.cipred_bt_data d ON d.s = t.s AND d.pos = t.pos
         -- each level''s interval computed once (OFFSET 0 keeps the
         -- subquery, so that .lo and .hi do not call it twice)
         LEFT JOIN LATERAL (
             SELECT array_agg((q.pi).lo ORDER BY q.o) AS lo, array_agg((q.pi).hi ORDER BY q.o) AS hi
               FROM (SELECT u.o, cipred.predict_interval(w.model, %2$s, u.l) AS pi
                       FROM unnest($3) WITH ORDINALITY u(l, o)
                      WHERE array_position(%2$s, NULL) IS NULL OFFSET 0) q) iv ON true',
        dest, pg_catalog.format(xexpr, 't'),
        CASE WHEN has_x THEN 'pg_temp.cipred_bt_xt' ELSE 'pg_temp.cipred_bt_data' END,
        CASE WHEN has_x THEN 'AND t.fold = w.fold' ELSE '' END)
    USING rid, mname, levels;
    PERFORM pg_catalog.set_config('client_min_messages', old_level, true);
END
$$;
COMMENT ON FUNCTION cipred_internal.backtest_linreg(bigint, text, text[], text[], jsonb, int, float8[], text) IS
'Support function of cipred.backtest: fits a linear model on features at every fold origin by the moving linreg aggregate and writes its out-of-fold forecasts.';

-- The out-of-fold forecasts of the last linear method without one of its
-- features, from the models kept at each origin (least squares: the exact
-- refit by cipred.linreg_drop, without reading any row again).
CREATE FUNCTION cipred_internal.backtest_linreg_drop(rid bigint, mname text, feats text[], all_names text[], dropped text, dest text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    xexpr text := 'ARRAY[' || (SELECT pg_catalog.string_agg(pg_catalog.format('t.x[%s]', pg_catalog.array_position(all_names, g)), ', ' ORDER BY o)
                                 FROM pg_catalog.unnest(feats) WITH ORDINALITY u(g, o)) || ']';
BEGIN
    EXECUTE pg_catalog.format(
        'INSERT INTO %1$s
         SELECT $1, w.s, $2, w.fold, w.origin_ts, t.t, t.pos - w.origin, d.y,
                cipred.predict(w.model, %2$s, $3), NULL, NULL, w.mscale, w.rscale
         FROM (SELECT lm.s, lm.fold, lm.origin, lm.origin_ts, lm.test_start, lm.test_end, lm.mscale, lm.rscale,
                      cipred.linreg_drop(lm.model, ARRAY[$4]) AS model
                 FROM pg_temp.cipred_bt_lm lm OFFSET 0) w
         JOIN pg_temp.cipred_bt_xt t ON t.s = w.s AND t.fold = w.fold AND t.pos BETWEEN w.test_start AND w.test_end
         JOIN pg_temp.cipred_bt_data d ON d.s = t.s AND d.pos = t.pos',
        dest, xexpr)
    USING rid, mname, feats, dropped;
END
$$;
COMMENT ON FUNCTION cipred_internal.backtest_linreg_drop(bigint, text, text[], text[], text, text) IS
'Support function of cipred.backtest: the out-of-fold forecasts of a least-squares method without one feature, from its models at each origin refitted exactly by cipred.linreg_drop.';

-- A target column of a FROM item, or an error unless it is a number.
CREATE FUNCTION cipred_internal.backtest_target(from_item text, col name) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    ty regtype := cipred_internal.backtest_column(from_item, col, 'target column');
BEGIN
    IF ty NOT IN ('float8'::regtype, 'float4'::regtype, 'numeric'::regtype, 'int2'::regtype, 'int4'::regtype, 'int8'::regtype) THEN
        RAISE EXCEPTION 'target column "%" has type %, not a numeric type', col, ty
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'The target must be a number (double precision, real, numeric or an integer type); cast it in a query source if needed.';
    END IF;
END
$$;
COMMENT ON FUNCTION cipred_internal.backtest_target(text, name) IS
'Support function of cipred.backtest and cipred.create_pipeline: an error (42703, 42804) unless the column exists and is a number.';

-- The series key of a source as a text expression: the series column, or
-- for a source of one series the source's own text as its label (the one
-- convention of the backtest, auto_forecast and the pipelines).
CREATE FUNCTION cipred_internal.backtest_series(source text, series_column name) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN series_column IS NULL THEN quote_literal(source) ELSE format('%I::text', series_column) END $$;
COMMENT ON FUNCTION cipred_internal.backtest_series(text, name) IS
'Support function of backtest, auto_forecast and the pipelines: the SQL expression of a source''s series key (the series column as text, or the source itself as the label of a single series).';

-- Interval levels: NULL, or a one-dimensional array of percentages in (0, 100).
CREATE FUNCTION cipred_internal.check_levels(levels float8[], what text) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- (the range of cipred.forecast and predict_interval: checked here
    -- before any work, not after the fits)
    IF cardinality(levels) > 100 THEN
        RAISE EXCEPTION '%: at most 100 interval levels, not %', what, cardinality(levels)
            USING ERRCODE = 'program_limit_exceeded', HINT = 'Give the levels you report, e.g. ''{80,95}''.';
    END IF;
    IF levels IS NOT NULL AND (array_ndims(levels) > 1 OR EXISTS (SELECT 1 FROM unnest(levels) l WHERE l IS NULL OR NOT (l >= 1 AND l < 100))) THEN
        RAISE EXCEPTION '%: levels must be a one-dimensional array of percentages from 1 to below 100', what
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('levels was %s.', levels),
                  HINT = 'Levels are percentages: write e.g. ''{80,95}'' (not {0.8,0.95}), or NULL for no intervals.';
    END IF;
END
$$;
COMMENT ON FUNCTION cipred_internal.check_levels(float8[], text) IS
'Support function of backtest, auto_forecast and create_pipeline: an error (22023) naming the caller unless levels is NULL or one-dimensional percentages from 1 to below 100 (the range of cipred.forecast).';

-- A time column of a FROM item as a timestamptz expression: timestamp
-- (without time zone) values are read as UTC, so that local times repeated
-- or skipped at a daylight-saving change stay distinct instants.
CREATE FUNCTION cipred_internal.backtest_time(from_item text, col name, what text)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    ty regtype := cipred_internal.backtest_column(from_item, col, what);
BEGIN
    IF ty NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
        RAISE EXCEPTION '% "%" has type %, not a time type', what, col, ty
            USING ERRCODE = 'datatype_mismatch', HINT = 'Time columns must be timestamptz, timestamp or date.';
    END IF;
    RETURN CASE WHEN ty = 'timestamp'::regtype THEN pg_catalog.format('(%I AT TIME ZONE ''UTC'')', col)
                ELSE pg_catalog.format('%I::timestamptz', col) END;
END
$$;
COMMENT ON FUNCTION cipred_internal.backtest_time(text, name, text) IS
'Support function of cipred.backtest: a time column as a timestamptz expression (timestamp without time zone read as UTC), or an error naming the column.';

CREATE FUNCTION cipred.backtest(
    source text, series_column name, time_column name, target_column name,
    methods jsonb, horizon int,
    folds jsonb DEFAULT '{}', levels float8[] DEFAULT '{80,95}',
    features jsonb DEFAULT NULL, period int DEFAULT NULL, progress bool DEFAULT false,
    OUT run_id bigint, OUT method text, OUT step int, OUT points bigint,
    OUT mae float8, OUT rmse float8, OUT smape float8, OUT mase float8, OUT rmsse float8,
    OUT bias float8, OUT coverage float8[], OUT winkler float8[])
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
-- the work table is small but each row is a fit: let the planner scan it in
-- parallel (max_parallel_workers_per_gather still decides how many workers)
SET min_parallel_table_scan_size = 0
AS $$
DECLARE
    ts_methods CONSTANT text[] := ARRAY(SELECT m.method FROM cipred.methods() WITH ORDINALITY m WHERE m.function = 'fit' ORDER BY m.ordinality);
    fold_keys CONSTANT text[] := ARRAY['initial', 'n_folds', 'step', 'gap', 'window_size', 'max_folds'];
    work_tables CONSTANT text[] := ARRAY['cipred_bt_data', 'cipred_bt_folds', 'cipred_bt_x', 'cipred_bt_xt', 'cipred_bt_f', 'cipred_bt_probe', 'cipred_bt_drop', 'cipred_bt_m', 'cipred_bt_lm'];
    src text;
    started timestamptz := clock_timestamp();
    t0 timestamptz;
    ty regtype;
    kk text;
    vj jsonb;
    mj jsonb;
    fj jsonb;
    i int;
    j int;
    n_rows bigint;
    n_series int;
    n_folds_total int;
    n_fc bigint;
    n_missing bigint;
    f_initial int; f_n_folds int; f_step int; f_gap int; f_window int; f_max int;
    mnames text[] := '{}';
    mname text;
    mmethod text;
    mopts jsonb;
    mfeat text[];
    fnames text[] := '{}';
    fspec jsonb[] := '{}';
    fcost float8[] := '{}';
    fsrc text;
    fcol name; ftime name; fseries name; favail name; flag interval; fknown bool;
    has_series bool;
    sel text;
    bad record;
    rid bigint;
    msg text; det text; hin text; st text;
    work_ready bool := false;
    -- the key of this call's work rows: unguessable, so that rows planted
    -- in the shared work table by someone else never match (a superuser is
    -- not filtered by row-level security)
    work_token uuid := gen_random_uuid();
    ols bool;
    fbool bool;
BEGIN
    -- arguments
    IF time_column IS NULL OR target_column IS NULL OR methods IS NULL OR horizon IS NULL THEN
        RAISE EXCEPTION 'backtest: source, time_column, target_column, methods and horizon must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Example: cipred.backtest(''readings'', ''series'', ''ts'', ''value'', ''["snaive", "ets"]'', 12, ''{"n_folds": 4}'').';
    END IF;
    IF horizon < 1 OR horizon > 100000 THEN
        RAISE EXCEPTION 'backtest: horizon must be from 1 to 100000 steps'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('horizon was %s.', horizon),
                  HINT = 'Give the number of steps ahead to forecast from each origin.';
    END IF;
    IF period IS NOT NULL AND (period < 1 OR period > 100000) THEN
        RAISE EXCEPTION 'backtest: period must be from 1 to 100000 steps'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('period was %s.', period);
    END IF;
    PERFORM cipred_internal.check_levels(levels, 'backtest');
    levels := coalesce(levels, '{}');
    src := cipred_internal.backtest_source(source);
    has_series := series_column IS NOT NULL;
    IF has_series THEN
        PERFORM cipred_internal.backtest_column(src, series_column, 'series column');
    END IF;
    PERFORM cipred_internal.backtest_time(src, time_column, 'time column');
    PERFORM cipred_internal.backtest_target(src, target_column);

    -- folds
    folds := coalesce(folds, '{}');
    IF jsonb_typeof(folds) <> 'object' THEN
        RAISE EXCEPTION 'backtest: folds must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('folds was %s.', folds),
                  HINT = 'Write e.g. ''{"n_folds": 5, "step": 1, "gap": 0, "window_size": 120}'' (lengths in points).';
    END IF;
    FOR kk, vj IN SELECT * FROM jsonb_each(folds) LOOP
        IF NOT kk = ANY (fold_keys) THEN
            RAISE EXCEPTION 'backtest: unknown fold option "%"', kk
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Fold options: initial, n_folds, step, gap, window_size, max_folds (whole numbers of points).';
        END IF;
        IF jsonb_typeof(vj) <> 'number' OR (vj #>> '{}')::numeric <> trunc((vj #>> '{}')::numeric)
           OR abs((vj #>> '{}')::numeric) > 100000000 THEN
            RAISE EXCEPTION 'backtest: fold option "%" must be a whole number of points', kk
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('%s was %s.', kk, vj);
        END IF;
    END LOOP;
    f_initial := (folds->>'initial')::int;
    f_n_folds := (folds->>'n_folds')::int;
    f_step := (folds->>'step')::int;
    f_gap := coalesce((folds->>'gap')::int, 0);
    f_window := (folds->>'window_size')::int;
    f_max := (folds->>'max_folds')::int;
    IF f_initial IS NULL AND f_n_folds IS NULL THEN
        f_n_folds := 3;
    END IF;

    -- methods: names or {"name", "method", "options", "features"}
    IF jsonb_typeof(methods) = 'string' THEN
        methods := jsonb_build_array(methods);
    END IF;
    IF jsonb_typeof(methods) <> 'array' OR jsonb_array_length(methods) = 0 THEN
        RAISE EXCEPTION 'backtest: methods must be a non-empty JSON array'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('methods was %s.', methods),
                  HINT = 'Write e.g. ''["snaive", "ets", {"name": "arima_011", "method": "arima", "options": {"order": [0,1,1]}}, {"name": "lm", "method": "linreg", "features": ["temp"]}]''.';
    END IF;
    FOR mj IN SELECT * FROM jsonb_array_elements(methods) LOOP
        IF jsonb_typeof(mj) = 'string' THEN
            mj := jsonb_build_object('name', mj, 'method', mj);
        ELSIF jsonb_typeof(mj) <> 'object' THEN
            RAISE EXCEPTION 'backtest: each method must be a name or an object'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('method was %s.', mj),
                      HINT = 'Write "ets" or {"name": "lm", "method": "linreg", "features": ["temp"], "options": {"lambda": 1}}.';
        END IF;
        FOR kk IN SELECT jsonb_object_keys(mj) LOOP
            IF NOT kk = ANY (ARRAY['name', 'method', 'options', 'features']) THEN
                RAISE EXCEPTION 'backtest: unknown key "%" in method %', kk, mj
                    USING ERRCODE = 'invalid_parameter_value', HINT = 'Method keys: name, method, options, features.';
            END IF;
        END LOOP;
        mmethod := mj->>'method';
        IF mmethod IS NULL OR NOT (mmethod = ANY (ts_methods) OR mmethod = 'linreg') THEN
            RAISE EXCEPTION 'backtest: unknown method "%"', coalesce(mmethod, 'NULL')
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('method was %s.', mj),
                      HINT = 'Methods: ' || array_to_string(ts_methods, ', ') || ', linreg.';
        END IF;
        mname := coalesce(mj->>'name', mmethod);
        IF mname = ANY (mnames) THEN
            RAISE EXCEPTION 'backtest: two methods are named "%"', mname
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Give each method a distinct "name".';
        END IF;
        IF mj ? 'options' AND jsonb_typeof(mj->'options') <> 'object' THEN
            RAISE EXCEPTION 'backtest: options of method "%" must be a JSON object', mname
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mj ? 'features' AND (mmethod <> 'linreg' OR jsonb_typeof(mj->'features') <> 'array'
                               OR EXISTS (SELECT 1 FROM jsonb_array_elements(mj->'features') e WHERE jsonb_typeof(e) <> 'string')) THEN
            RAISE EXCEPTION 'backtest: "features" of method "%" must be an array of feature names, and only linreg takes features', mname
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        mnames := mnames || mname;
    END LOOP;

    -- features: {"name", "column", "source", "time_column", "series_column",
    -- and exactly one of "available_column", "lag", "known": true}
    features := coalesce(features, '[]');
    IF jsonb_typeof(features) <> 'array' THEN
        RAISE EXCEPTION 'backtest: features must be a JSON array of feature objects'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Write e.g. ''[{"name": "temp", "source": "weather", "available_column": "issued_at"}, {"name": "holiday", "known": true}]''.';
    END IF;
    FOR fj IN SELECT * FROM jsonb_array_elements(features) LOOP
        IF jsonb_typeof(fj) <> 'object' OR NOT fj ? 'name' THEN
            RAISE EXCEPTION 'backtest: each feature must be an object with a "name"'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('feature was %s.', fj);
        END IF;
        FOR kk IN SELECT jsonb_object_keys(fj) LOOP
            IF NOT kk = ANY (ARRAY['name', 'column', 'source', 'time_column', 'series_column', 'available_column', 'lag', 'known']) THEN
                RAISE EXCEPTION 'backtest: unknown key "%" in feature "%"', kk, fj->>'name'
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Feature keys: name, column, source, time_column, series_column, available_column, lag, known.';
            END IF;
        END LOOP;
        IF (fj->>'name') = ANY (fnames) THEN
            RAISE EXCEPTION 'backtest: two features are named "%"', fj->>'name' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF (fj ? 'available_column')::int + (fj ? 'lag')::int + coalesce((fj->>'known')::bool, false)::int <> 1 THEN
            RAISE EXCEPTION 'backtest: feature "%" has no availability information', fj->>'name'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'A feature needs exactly one of "available_column" (when each value became available), "lag" (a publication lag after its time) or "known": true (known in advance, such as calendar or planned values).',
                      HINT = 'Without it cipred cannot tell which values were known at a forecast origin, so it refuses the feature rather than risk leakage.';
        END IF;
        fnames := fnames || (fj->>'name');
        fspec := fspec || fj;
    END LOOP;
    FOR mj IN SELECT * FROM jsonb_array_elements(methods) LOOP
        IF jsonb_typeof(mj) = 'object' AND mj ? 'features' THEN
            FOR kk IN SELECT jsonb_array_elements_text(mj->'features') LOOP
                IF NOT kk = ANY (fnames) THEN
                    RAISE EXCEPTION 'backtest: method "%" uses feature "%", which is not declared', coalesce(mj->>'name', mj->>'method'), kk
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'Declare every feature in the features argument with its availability (available_column, lag or known).';
                END IF;
            END LOOP;
        END IF;
    END LOOP;

    -- the data, read once: (series, time, value) with each series' positions
    PERFORM cipred_internal.drop_work_tables(work_tables);
    EXECUTE format(
        'CREATE TEMP TABLE pg_temp.cipred_bt_data AS
         SELECT s, t, y, row_number() OVER (PARTITION BY s ORDER BY t)::int AS pos,
                count(*) OVER (PARTITION BY s)::int AS n
         FROM (SELECT %s AS s, %s AS t, %I::float8 AS y FROM %s) d
         WHERE s IS NOT NULL AND t IS NOT NULL AND y IS NOT NULL',
        cipred_internal.backtest_series(source, series_column),
        cipred_internal.backtest_time(src, time_column, 'time column'), target_column, src);
    SELECT count(*), count(DISTINCT s) INTO n_rows, n_series FROM pg_temp.cipred_bt_data;
    IF n_rows = 0 THEN
        RAISE EXCEPTION 'backtest: the source has no rows with a series, a time and a target value'
            USING ERRCODE = 'no_data_found', DETAIL = format('source: %s.', left(source, 200));
    END IF;
    SELECT s, t, count(*) AS c INTO bad FROM pg_temp.cipred_bt_data GROUP BY s, t HAVING count(*) > 1 ORDER BY s, t LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'backtest: duplicate (series, time) rows in the source'
            USING ERRCODE = 'unique_violation',
                  DETAIL = format('Series %s has %s rows at %s.', bad.s, bad.c, bad.t),
                  HINT = 'Keep one row per series and time, e.g. aggregate with cipred.resample or GROUP BY in a query source.';
    END IF;
    SELECT s, t, y INTO bad FROM pg_temp.cipred_bt_data WHERE y IN ('NaN', 'Infinity', '-Infinity') LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'backtest: the target is NaN or infinite'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Series %s at %s has %s.', bad.s, bad.t, bad.y),
                  HINT = 'Filter such rows out in a query source, or guard the table (cipred.guard).';
    END IF;
    CREATE INDEX ON pg_temp.cipred_bt_data (s, pos);
    ANALYZE pg_temp.cipred_bt_data;

    -- folds over each series' positions, with the origin's time and the
    -- seasonal period (from the frequency of the times, or given)
    BEGIN
        CREATE TEMP TABLE pg_temp.cipred_bt_folds AS
        SELECT x.s, x.n, p.*, o.t AS origin_ts
        FROM (SELECT DISTINCT d.s, d.n FROM pg_temp.cipred_bt_data d) x
        CROSS JOIN LATERAL cipred.fold_positions(x.n, horizon, f_step, f_initial, f_n_folds, f_gap, f_window, f_max) p
        JOIN pg_temp.cipred_bt_data o ON o.s = x.s AND o.pos = p.origin;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hin = PG_EXCEPTION_HINT, st = RETURNED_SQLSTATE;
        SELECT d.s, d.n INTO bad FROM pg_temp.cipred_bt_data d ORDER BY d.n, d.s LIMIT 1;
        RAISE EXCEPTION 'backtest: the folds do not fit the data: %', msg
            USING ERRCODE = st,
                  DETAIL = concat_ws(' ', nullif(det, ''), format('The shortest series, %s, has %s points; horizon %s, folds %s.', bad.s, bad.n, horizon, folds)),
                  HINT = coalesce(nullif(hin, ''), 'Use fewer or shorter folds, a shorter horizon, or drop the short series in a query source.');
    END;
    SELECT count(*) INTO n_folds_total FROM pg_temp.cipred_bt_folds;
    ALTER TABLE pg_temp.cipred_bt_folds ADD COLUMN period int;
    UPDATE pg_temp.cipred_bt_folds b SET period = coalesce(backtest.period, p.period)
      FROM (SELECT d.s, cipred.season_period(d.t) AS period
              FROM pg_temp.cipred_bt_data d GROUP BY d.s) p
     WHERE p.s = b.s;
    ALTER TABLE pg_temp.cipred_bt_folds ADD COLUMN mscale float8, ADD COLUMN rscale float8;
    UPDATE pg_temp.cipred_bt_folds b SET mscale = nullif(x.ms, 0), rscale = nullif(x.rs, 0)
      FROM (SELECT f.s, f.fold, cipred.mase_scale(d.t, d.y, f.period) AS ms, cipred.rmsse_scale(d.t, d.y, f.period) AS rs
              FROM pg_temp.cipred_bt_folds f JOIN pg_temp.cipred_bt_data d ON d.s = f.s AND d.pos BETWEEN f.train_start AND f.train_end
             GROUP BY f.s, f.fold) x
     WHERE x.s = b.s AND x.fold = b.fold;
    ANALYZE pg_temp.cipred_bt_folds;

    INSERT INTO cipred.backtest_runs (source, spec, started_at, finished_at, duration, rows_read, series, folds, forecasts)
    VALUES (source, jsonb_build_object('series_column', series_column, 'time_column', time_column,
                                       'target_column', target_column, 'methods', methods, 'horizon', horizon,
                                       'folds', folds, 'levels', to_jsonb(levels), 'features', features,
                                       'period', backtest.period),
            started, started, '0', n_rows, n_series, n_folds_total, 0)
    RETURNING backtest_runs.run_id INTO rid;

    -- features: each read once into (series, time, available, value), then
    -- joined to every training row as of that row's own time, and to every
    -- test row as of its fold's origin
    IF array_length(fnames, 1) > 0 THEN
        CREATE TEMP TABLE pg_temp.cipred_bt_x AS SELECT d.s, d.pos, d.t, '{}'::float8[] AS x FROM pg_temp.cipred_bt_data d;
        CREATE TEMP TABLE pg_temp.cipred_bt_xt AS
        SELECT f.s, f.fold, d.pos, d.t, f.origin_ts, '{}'::float8[] AS x
          FROM pg_temp.cipred_bt_folds f JOIN pg_temp.cipred_bt_data d ON d.s = f.s AND d.pos BETWEEN f.test_start AND f.test_end;
        FOR i IN 1 .. array_length(fnames, 1) LOOP
            t0 := clock_timestamp();
            fj := fspec[i];
            fsrc := CASE WHEN fj ? 'source' THEN cipred_internal.backtest_source(fj->>'source', format('feature "%s": source', fj->>'name')) ELSE src END;
            fcol := coalesce(fj->>'column', fj->>'name');
            ftime := coalesce(fj->>'time_column', time_column);
            fseries := CASE WHEN fj ? 'series_column' THEN fj->>'series_column'
                            WHEN NOT fj ? 'source' THEN series_column END;
            IF fseries IS NULL AND has_series AND fj ? 'source' THEN
                -- the feature source has the series column: per series; else shared
                BEGIN
                    PERFORM cipred_internal.backtest_column(fsrc, series_column, 'series column');
                    fseries := series_column;
                EXCEPTION WHEN undefined_column THEN
                    fseries := NULL;
                END;
            END IF;
            ty := cipred_internal.backtest_column(fsrc, fcol, format('feature "%s": column', fj->>'name'));
            fbool := ty = 'bool'::regtype;
            IF ty NOT IN ('float8'::regtype, 'float4'::regtype, 'numeric'::regtype, 'int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'bool'::regtype) THEN
                RAISE EXCEPTION 'backtest: feature "%" (column "%") has type %, not a number', fj->>'name', fcol, ty
                    USING ERRCODE = 'datatype_mismatch', HINT = 'Features must be numbers or booleans; encode categories as 0/1 columns.';
            END IF;
            PERFORM cipred_internal.backtest_column(fsrc, ftime, format('feature "%s": time column', fj->>'name'));
            IF fseries IS NOT NULL THEN
                PERFORM cipred_internal.backtest_column(fsrc, fseries, format('feature "%s": series column', fj->>'name'));
            END IF;
            fknown := coalesce((fj->>'known')::bool, false);
            favail := fj->>'available_column';
            BEGIN
                flag := (fj->>'lag')::interval;
            EXCEPTION WHEN OTHERS THEN
                RAISE EXCEPTION 'backtest: lag of feature "%" is not an interval', fj->>'name'
                    USING ERRCODE = 'invalid_parameter_value', DETAIL = format('lag was %s.', fj->'lag'),
                          HINT = 'Write e.g. "lag": "20 days" for a value published 20 days after its time.';
            END;
            IF flag < '0' THEN
                RAISE EXCEPTION 'backtest: lag of feature "%" is negative', fj->>'name' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF pg_catalog.to_regclass('pg_temp.cipred_bt_f') IS NOT NULL THEN
                DROP TABLE pg_temp.cipred_bt_f;
            END IF;
            EXECUTE format(
                'CREATE TEMP TABLE pg_temp.cipred_bt_f AS
                 SELECT %s AS s, %s AS ft, %s AS av, %s AS v FROM %s
                 WHERE %I IS NOT NULL AND %I IS NOT NULL',
                CASE WHEN fseries IS NULL THEN 'NULL::text' ELSE format('%I::text', fseries) END,
                cipred_internal.backtest_time(fsrc, ftime, format('feature "%s": time column', fj->>'name')),
                CASE WHEN fknown THEN '''-infinity''::timestamptz'
                     WHEN favail IS NOT NULL THEN cipred_internal.backtest_time(fsrc, favail, format('feature "%s": available_column', fj->>'name'))
                     ELSE format('%s + %L::interval', cipred_internal.backtest_time(fsrc, ftime, 'time column'), flag) END,
                CASE WHEN fbool THEN format('%I::int::float8', fcol) ELSE format('%I::float8', fcol) END,
                fsrc, ftime, fcol);
            CREATE INDEX ON pg_temp.cipred_bt_f (s, ft, av);
            ANALYZE pg_temp.cipred_bt_f;
            -- known in advance: the value at exactly that time (latest
            -- vintage); otherwise the latest time <= t among the values
            -- available at the cut-off (the row's own time, or the origin)
            IF fknown THEN
                sel := '(SELECT v FROM pg_temp.cipred_bt_f b WHERE b.s IS NOT DISTINCT FROM %s AND b.ft = a.t ORDER BY b.av DESC LIMIT 1)';
                EXECUTE 'UPDATE pg_temp.cipred_bt_x a SET x = array_append(a.x, ' || format(sel, CASE WHEN fseries IS NULL THEN 'NULL' ELSE 'a.s' END) || ')';
                EXECUTE 'UPDATE pg_temp.cipred_bt_xt a SET x = array_append(a.x, ' || format(sel, CASE WHEN fseries IS NULL THEN 'NULL' ELSE 'a.s' END) || ')';
            ELSE
                sel := '(SELECT v FROM pg_temp.cipred_bt_f b WHERE b.s IS NOT DISTINCT FROM %s AND b.ft <= a.t AND b.av <= %s ORDER BY b.ft DESC, b.av DESC LIMIT 1)';
                EXECUTE 'UPDATE pg_temp.cipred_bt_x a SET x = array_append(a.x, ' || format(sel, CASE WHEN fseries IS NULL THEN 'NULL' ELSE 'a.s' END, 'a.t') || ')';
                EXECUTE 'UPDATE pg_temp.cipred_bt_xt a SET x = array_append(a.x, ' || format(sel, CASE WHEN fseries IS NULL THEN 'NULL' ELSE 'a.s' END, 'a.origin_ts') || ')';
            END IF;
            DROP TABLE pg_temp.cipred_bt_f;
            fcost := fcost || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
            IF progress THEN
                RAISE NOTICE 'backtest run %: feature "%" joined as of each origin in % ms', rid, fnames[i], round(fcost[i]::numeric, 1);
            END IF;
        END LOOP;
        CREATE INDEX ON pg_temp.cipred_bt_x (s, pos);
        CREATE INDEX ON pg_temp.cipred_bt_xt (s, fold);
        ANALYZE pg_temp.cipred_bt_x;
        ANALYZE pg_temp.cipred_bt_xt;
    END IF;

    -- each method over every series x fold
    i := 0;
    FOR mj IN SELECT * FROM jsonb_array_elements(methods) LOOP
        i := i + 1;
        t0 := clock_timestamp();
        IF jsonb_typeof(mj) = 'string' THEN
            mj := jsonb_build_object('name', mj, 'method', mj);
        END IF;
        mmethod := mj->>'method';
        mname := coalesce(mj->>'name', mmethod);
        mopts := coalesce(mj->'options', '{}');
        IF mmethod <> 'linreg' THEN
            IF backtest.period IS NOT NULL AND NOT mopts ? 'period' AND NOT mopts ? 'periods' THEN
                mopts := mopts || jsonb_build_object('period', backtest.period);
            END IF;
            IF NOT work_ready THEN
                INSERT INTO cipred.backtest_work (token, run_id, series, fold, origin_ts, test_start, test_end, mase_scale, rmsse_scale, ts, y)
                SELECT work_token, rid, f.s, f.fold, f.origin_ts, f.test_start, f.test_end, f.mscale, f.rscale,
                       array_agg(d.t ORDER BY d.pos), array_agg(d.y ORDER BY d.pos)
                  FROM pg_temp.cipred_bt_folds f
                  JOIN pg_temp.cipred_bt_data d ON d.s = f.s AND d.pos BETWEEN f.train_start AND f.train_end
                 GROUP BY f.s, f.fold, f.origin_ts, f.test_start, f.test_end, f.mscale, f.rscale;
                work_ready := true;
            END IF;
            -- fits and forecasts, in parallel workers where the plan allows
            IF pg_catalog.to_regclass('pg_temp.cipred_bt_m') IS NOT NULL THEN
                DROP TABLE pg_temp.cipred_bt_m;
            END IF;
            -- (values written as literals: a plan with parameters from
            -- PL/pgSQL is not run in parallel workers)
            EXECUTE format('CREATE TEMP TABLE pg_temp.cipred_bt_m AS
                     SELECT w.series AS s, w.fold, w.origin_ts, w.test_start, w.test_end, w.mase_scale, w.rmsse_scale,
                            cipred.fit_series(w.ts, w.y, %L, %L::jsonb) AS model
                       FROM cipred.backtest_work w
                      WHERE w.token = %L',
                mmethod, mopts, work_token);
            INSERT INTO cipred.backtest_forecasts
            WITH fc AS MATERIALIZED (
                SELECT x.s, x.fold, x.origin_ts, x.test_start, x.test_end, x.mase_scale, x.rmsse_scale, f.*
                  FROM pg_temp.cipred_bt_m x,
                       cipred.forecast(x.model, horizon + f_gap, CASE WHEN cardinality(levels) > 0 THEN levels END) f)
            SELECT rid, x.s, mname, x.fold, x.origin_ts, d.t, x.step, d.y, x.forecast, x.lo, x.hi, x.mase_scale, x.rmsse_scale
              FROM fc x
              JOIN pg_temp.cipred_bt_data d ON d.s = x.s AND d.t = x.ts AND d.pos BETWEEN x.test_start AND x.test_end;
            DROP TABLE pg_temp.cipred_bt_m;
        ELSE
            mfeat := ARRAY(SELECT jsonb_array_elements_text(coalesce(mj->'features', '[]')));
            PERFORM cipred_internal.backtest_linreg(rid, mname, mfeat, fnames, mopts, f_window, levels, 'cipred.backtest_forecasts');
            -- what each feature is worth: the same folds refitted without it
            IF cardinality(mfeat) > 0 THEN
                IF pg_catalog.to_regclass('pg_temp.cipred_bt_drop') IS NULL THEN
                    CREATE TEMP TABLE pg_temp.cipred_bt_drop (LIKE cipred.backtest_forecasts);
                END IF;
                -- least squares: each origin's model refitted exactly from its own
                -- statistics; otherwise (ridge, elastic net) a new moving pass
                -- over the joined features
                -- (linreg_drop needs a least-squares fit with residual
                -- variance and no aliased feature)
                ols := NOT EXISTS (SELECT 1 FROM pg_temp.cipred_bt_lm lm
                                    WHERE lm.model IS NULL OR NOT cipred.linreg_droppable(lm.model));
                FOREACH kk IN ARRAY mfeat LOOP
                    TRUNCATE pg_temp.cipred_bt_drop;
                    IF ols THEN
                        PERFORM cipred_internal.backtest_linreg_drop(rid, mname, mfeat, fnames, kk, 'pg_temp.cipred_bt_drop');
                    ELSE
                        PERFORM cipred_internal.backtest_linreg(rid, mname, array_remove(mfeat, kk), fnames, mopts, f_window, '{}', 'pg_temp.cipred_bt_drop');
                    END IF;
                    INSERT INTO cipred.backtest_features
                    SELECT rid, mname, kk, fcost[array_position(fnames, kk)], count(a.forecast),
                           cipred.mae(a.actual, a.forecast), cipred.mae(b.actual, b.forecast),
                           cipred.mase(a.actual, a.forecast, a.mase_scale), cipred.mase(b.actual, b.forecast, b.mase_scale)
                      FROM cipred.backtest_forecasts a
                      JOIN pg_temp.cipred_bt_drop b USING (series, fold, ts)
                     WHERE a.run_id = rid AND a.method = mname;
                END LOOP;
            END IF;
        END IF;
        IF progress THEN
            RAISE NOTICE 'backtest run %: method "%" (% of %) done in % ms', rid, mname, i,
                jsonb_array_length(methods), round((extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric, 1);
        END IF;
    END LOOP;

    DELETE FROM cipred.backtest_work w WHERE w.token = work_token;
    SELECT count(*), count(*) FILTER (WHERE b.forecast IS NULL) INTO n_fc, n_missing
      FROM cipred.backtest_forecasts b WHERE b.run_id = rid;
    IF n_missing > 0 THEN
        RAISE NOTICE 'backtest run %: % of % out-of-fold forecasts are NULL (a feature had no value available at the origin)', rid, n_missing, n_fc;
    END IF;

    -- the summary by method and step (step NULL: all steps)
    -- (coverage and Winkler per level in the same single pass, then
    -- gathered into arrays in the order of the levels)
    INSERT INTO cipred.backtest_scores
    WITH pt AS (
        SELECT b.method, b.step, count(b.forecast) AS points,
               cipred.mae(b.actual, b.forecast) AS mae, cipred.rmse(b.actual, b.forecast) AS rmse,
               cipred.smape(b.actual, b.forecast) AS smape, cipred.mase(b.actual, b.forecast, b.mase_scale) AS mase,
               cipred.rmsse(b.actual, b.forecast, b.rmsse_scale) AS rmsse, cipred.bias(b.actual, b.forecast) AS bias
          FROM cipred.backtest_forecasts b
         WHERE b.run_id = rid
         GROUP BY GROUPING SETS ((b.method, b.step), (b.method))),
    lv AS (
        SELECT b.method, b.step, o, cipred.coverage(b.actual, b.lo[o], b.hi[o]) AS cov,
               cipred.winkler(b.actual, b.lo[o], b.hi[o], levels[o]) AS wk
          FROM cipred.backtest_forecasts b, generate_series(1, cardinality(levels)) o
         WHERE b.run_id = rid
         GROUP BY GROUPING SETS ((b.method, b.step, o), (b.method, o))),
    iv AS (
        SELECT lv.method, lv.step, array_agg(lv.cov ORDER BY lv.o) AS cov, array_agg(lv.wk ORDER BY lv.o) AS wk
          FROM lv GROUP BY lv.method, lv.step)
    SELECT rid, pt.method, pt.step, pt.points, pt.mae, pt.rmse, pt.smape, pt.mase, pt.rmsse, pt.bias,
           coalesce(iv.cov, '{}'), coalesce(iv.wk, '{}')
      FROM pt LEFT JOIN iv ON iv.method = pt.method AND iv.step IS NOT DISTINCT FROM pt.step;

    UPDATE cipred.backtest_runs r SET finished_at = clock_timestamp(), duration = clock_timestamp() - r.started_at,
           forecasts = n_fc
     WHERE r.run_id = rid;
    PERFORM cipred_internal.drop_work_tables(work_tables);
    RETURN QUERY SELECT s.run_id, s.method, s.step, s.points, s.mae, s.rmse, s.smape, s.mase, s.rmsse, s.bias, s.coverage, s.winkler
                   FROM cipred.backtest_scores s WHERE s.run_id = rid
                  ORDER BY array_position(mnames, s.method), s.step NULLS FIRST;
END
$$;
COMMENT ON FUNCTION cipred.backtest(text, name, name, name, jsonb, int, jsonb, float8[], jsonb, int, bool) IS
'Rolling-origin backtest on a table, view or parenthesised query: for every series x fold x method, fits on the training window only, forecasts the test window, writes the out-of-fold forecasts to cipred.backtest_forecasts and returns (and stores in cipred.backtest_scores) the accuracy by method and horizon step. Features are joined as of each origin.';

CREATE FUNCTION cipred.last_backtest() RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rid bigint;
BEGIN
    SELECT max(r.run_id) INTO rid FROM cipred.backtest_runs r WHERE r.run_by = CURRENT_USER;
    IF rid IS NULL THEN
        RAISE EXCEPTION 'last_backtest: role % has no backtest run', CURRENT_USER
            USING ERRCODE = 'no_data_found',
                  HINT = 'Run cipred.backtest first (a failed or cancelled backtest leaves no run), or name a run_id from cipred.backtest_runs.';
    END IF;
    RETURN rid;
END
$$;
COMMENT ON FUNCTION cipred.last_backtest() IS
'The run_id of the current role''s newest backtest run (cipred.backtest_runs.run_by = current_user), for queries on backtest_forecasts, backtest_scores and backtest_features; P0002 when the role has none.';
