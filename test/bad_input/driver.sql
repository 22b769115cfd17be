-- driver.sql - the bad-input tier: every function and aggregate of schema
-- cipred, from the catalog, called with hostile arguments, one argument at a
-- time (the others typical).  A call may fail, with a proper SQLSTATE; it
-- may not fail with XX000 (an internal error), run past the statement
-- timeout (absurd output must be refused up front), or return NaN or an
-- infinite number.  Crashes are seen by the shell driver (one connection
-- per function).  Every call runs in a subtransaction that is rolled back.
SET client_min_messages = warning;
CREATE SCHEMA bi;

-- the data the typical arguments point at
CREATE TABLE bi.series (series text, ts timestamptz, y float8);
INSERT INTO bi.series SELECT s, '2024-01-01'::timestamptz + g * interval '1 day', 10 + 3 * sin(g / 2.0) + (g % 7) + s_off
FROM generate_series(0, 59) g, (VALUES ('a', 0), ('b', 5)) v(s, s_off);
CREATE TABLE bi.guarded (series text, ts timestamptz, y float8);
SELECT cipred.guard('bi.guarded', 'ts', '{series}', '{y}', '1 day', '{}', 'quarantine');
INSERT INTO bi.guarded VALUES ('a', '2024-01-01', 1), ('a', '2024-01-01 00:07', 2);
SELECT cipred.create_pipeline('bi_pipe', 'bi.series', 'series', 'ts', 'y', 3, '1 day', method => '"naive"');
SELECT status FROM cipred.run_pipeline('bi_pipe');
SELECT cipred.save_model('bi_model', cipred.fit(ts, y, 'ets')) FROM bi.series WHERE series = 'a';
SELECT cipred.save_model('bi_model', cipred.fit(ts, y, 'naive')) FROM bi.series WHERE series = 'a';
SELECT cipred.promote_model('bi_model', 1), cipred.promote_model('bi_model', 2);

-- one valid model of each kind, and damaged copies: every number of the
-- JSON text replaced by a huge, a negative and a zero value; the copies the
-- model input accepts are the hostile models
CREATE TABLE bi.models (label text PRIMARY KEY, model text NOT NULL);
INSERT INTO bi.models
SELECT m, (SELECT cipred.fit(ts, y, m)::text FROM bi.series WHERE series = 'a')
FROM unnest('{naive,snaive,drift,mean,croston,sba,ses,holt,holt_damped,hw,hw_damped,ets,arima,theta,otm,mstl}'::text[]) m;
INSERT INTO bi.models VALUES
    ('linreg', (SELECT cipred.linreg(y, ARRAY[extract(dow FROM ts)::float8, g], '{dow,g}')::text
                  FROM (SELECT *, row_number() OVER ()::float8 AS g FROM bi.series) s)),
    ('combination', (SELECT cipred.combination(y, ARRAY[y + 1, y - 2], 'convex')::text FROM bi.series)),
    ('online', (SELECT cipred.online_weights(y, ARRAY[y + 1, y - 2], 'ewa')::text FROM bi.series));
CREATE TABLE bi.damaged (label text PRIMARY KEY, model text NOT NULL);
CREATE FUNCTION bi.mutate(j jsonb, path text[], v jsonb) RETURNS SETOF jsonb LANGUAGE plpgsql AS $$
DECLARE
    k text;
    i int;
BEGIN
    IF jsonb_typeof(j) = 'number' THEN
        RETURN NEXT v;
    ELSIF jsonb_typeof(j) = 'object' THEN
        FOR k IN SELECT jsonb_object_keys(j) LOOP
            RETURN QUERY SELECT jsonb_set(j, ARRAY[k], x) FROM bi.mutate(j -> k, path || k, v) x;
        END LOOP;
    ELSIF jsonb_typeof(j) = 'array' THEN
        FOR i IN 0 .. least(jsonb_array_length(j), 3) - 1 LOOP
            RETURN QUERY SELECT jsonb_set(j, ARRAY[i::text], x) FROM bi.mutate(j -> i, path || i::text, v) x;
        END LOOP;
    END IF;
END $$;
INSERT INTO bi.damaged
SELECT m.label || '#' || row_number() OVER (PARTITION BY m.label ORDER BY d::text), d::text
FROM bi.models m, unnest(ARRAY['1e308', '-1e308', '-1', '0', '1e-300']::jsonb[]) v, bi.mutate(m.model::jsonb, '{}', v) d
ON CONFLICT DO NOTHING;
-- keep those the model input accepts
CREATE FUNCTION bi.accepted(t text) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
    PERFORM t::cipred.model;
    RETURN true;
EXCEPTION WHEN OTHERS THEN
    RETURN false;
END $$;
DELETE FROM bi.damaged WHERE NOT bi.accepted(model);

-- typical value of an argument (SQL text), by its name and type; aggregate
-- arguments vary with the row g
CREATE FUNCTION bi.typical(fn text, arg text, ty regtype, pos int, is_agg bool) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF is_agg THEN
        RETURN CASE
            WHEN ty = 'timestamptz'::regtype THEN $t$('2024-01-01'::timestamptz + g * interval '1 day')$t$
            WHEN ty = 'bigint'::regtype AND arg = 'ts' THEN 'g::bigint'
            WHEN ty = 'float8'::regtype AND arg IN ('y', 'actual') THEN '(10 + 3 * sin(g / 2.0) + g % 7)'
            WHEN ty = 'float8'::regtype AND arg = 'forecast' THEN '(10 + 3 * sin(g / 2.0))'
            WHEN ty = 'float8'::regtype AND arg = 'lo' THEN '(5 + sin(g))'
            WHEN ty = 'float8'::regtype AND arg = 'hi' THEN '(15 + sin(g))'
            WHEN ty = 'float8'::regtype AND arg = 'scale' THEN '2.0::float8'
            WHEN ty = 'float8'::regtype AND arg = 'quantile' THEN '0.5::float8'
            WHEN ty = 'float8'::regtype AND arg = 'level' THEN '95::float8'
            WHEN ty = 'float8'::regtype AND arg = 'weight' THEN '1::float8'
            WHEN ty = 'float8[]'::regtype AND arg = 'forecasts' THEN 'ARRAY[10 + 3 * sin(g / 2.0), 11 + g % 7]'
            WHEN ty = 'float8[]'::regtype AND arg = 'x' THEN 'ARRAY[g::float8, sin(g)]'
            WHEN ty = 'text[]'::regtype AND arg = 'names' THEN $t$'{g,s}'::text[]$t$
            WHEN ty = 'integer'::regtype AND arg = 'period' THEN '7'
            WHEN ty = 'text'::regtype AND arg = 'method' AND fn = 'fit' THEN $t$'ets'$t$
            WHEN ty = 'text'::regtype AND arg = 'method' AND fn = 'combination' THEN $t$'convex'$t$
            WHEN ty = 'text'::regtype AND arg = 'method' THEN $t$'ewa'$t$
            WHEN ty = 'jsonb'::regtype THEN $t$'{}'::jsonb$t$
            WHEN ty = 'anyelement'::regtype THEN 'g'
            ELSE bi.typical(fn, arg, ty, pos, false) END;
    END IF;
    RETURN CASE
        WHEN ty = 'cipred.model'::regtype AND fn IN ('predict', 'predict_interval', 'coefficients', 'linreg_drop', 'model_path', 'feature_names')
            THEN $t$(SELECT model::cipred.model FROM bi.models WHERE label = 'linreg')$t$
        WHEN ty = 'cipred.model'::regtype AND fn IN ('combine', 'name_experts')
            THEN $t$(SELECT model::cipred.model FROM bi.models WHERE label = 'combination')$t$
        WHEN ty = 'cipred.model'::regtype THEN $t$(SELECT model::cipred.model FROM bi.models WHERE label = 'ets')$t$
        WHEN ty = 'cipred.pipelines'::regtype THEN $t$(SELECT p FROM cipred.pipelines p WHERE name = 'bi_pipe')$t$
        WHEN ty = 'regclass'::regtype AND fn IN ('freshness', 'unguard') THEN $t$'bi.guarded'::regclass$t$
        WHEN ty = 'regclass'::regtype THEN $t$'bi.series'::regclass$t$
        WHEN ty = 'name'::regtype AND arg IN ('series_column') THEN $t$'series'::name$t$
        WHEN ty = 'name'::regtype AND arg = 'col' AND fn = 'backtest_target' THEN $t$'y'::name$t$
        WHEN ty = 'name'::regtype AND arg IN ('time_column', 'col') THEN $t$'ts'::name$t$
        WHEN ty = 'name'::regtype AND arg IN ('target_column', 'value_column') THEN $t$'y'::name$t$
        WHEN ty = 'name'::regtype AND arg IN ('role', 'owner') THEN 'current_user'
        WHEN ty = 'name[]'::regtype AND arg = 'series_columns' THEN $t$'{series}'::name[]$t$
        WHEN ty = 'name[]'::regtype AND arg = 'value_columns' THEN $t$'{y}'::name[]$t$
        WHEN ty = 'name[]'::regtype THEN $t$'{}'::name[]$t$
        WHEN ty = 'text'::regtype AND arg IN ('source') THEN $t$'bi.series'$t$
        WHEN ty = 'text'::regtype AND arg IN ('from_item') THEN $t$'bi.series AS cipred_src'$t$
        WHEN ty = 'text'::regtype AND arg IN ('pipeline') THEN $t$'bi_pipe'$t$
        WHEN ty = 'text'::regtype AND arg = 'name' AND fn = 'create_pipeline' THEN $t$'bi_new'$t$
        WHEN ty = 'text'::regtype AND arg = 'src' THEN $t$'(SELECT series AS s, ts AS t, y FROM bi.series)'$t$
        WHEN ty = 'text'::regtype AND arg IN ('name', 'p_name') AND fn ~ 'pipeline' THEN $t$'bi_pipe'$t$
        WHEN ty = 'text'::regtype AND arg IN ('name', 'p_name') THEN $t$'bi_model'$t$
        WHEN ty = 'text'::regtype AND arg = 'method' THEN $t$'ets'$t$
        WHEN ty = 'text'::regtype AND arg = 'kind' AND fn = 'raise_alert' THEN $t$'drift'$t$
        WHEN ty = 'text'::regtype AND arg = 'kind' THEN $t$'prediction'$t$
        WHEN ty = 'text'::regtype AND arg = 'severity' THEN $t$'warning'$t$
        WHEN ty = 'text'::regtype AND arg = 'agg' THEN $t$'mean'$t$
        WHEN ty = 'text'::regtype AND arg = 'fill' THEN $t$'none'$t$
        WHEN ty = 'text'::regtype AND arg = 'mode' AND fn = 'guard' THEN $t$'reject'$t$
        WHEN ty = 'text'::regtype AND arg = 'mode' THEN $t$'USAGE'$t$
        WHEN ty = 'text'::regtype AND arg = 'time_zone' THEN $t$'UTC'$t$
        WHEN ty = 'text'::regtype AND arg = 'stale_action' THEN $t$'alert'$t$
        WHEN ty = 'text'::regtype AND arg = 'p_status' THEN $t$'staging'$t$
        WHEN ty = 'text'::regtype AND arg = 'query' THEN $t$'SELECT 1'$t$
        WHEN ty = 'text'::regtype AND arg = 'search_path' THEN $t$'public'$t$
        WHEN ty = 'text'::regtype AND arg = 'schedule' THEN 'NULL::text'
        WHEN ty = 'text'::regtype THEN $t$'bi'$t$
        WHEN ty = 'text[]'::regtype AND arg = 'privileges' THEN $t$'{cipred.pipelines:SELECT}'::text[]$t$
        WHEN ty = 'text[]'::regtype AND arg = 'names' AND fn = 'predict' THEN $t$'{dow,g}'::text[]$t$
        WHEN ty = 'text[]'::regtype AND arg = 'names' AND fn = 'name_experts' THEN $t$'{up,down}'::text[]$t$
        WHEN ty = 'text[]'::regtype AND arg IN ('names', 'features', 'feats', 'all_names') THEN $t$'{dow}'::text[]$t$
        WHEN ty = 'text[]'::regtype THEN $t$'{}'::text[]$t$
        WHEN ty = 'jsonb'::regtype AND arg = 'method' THEN $t$'"naive"'::jsonb$t$
        WHEN ty = 'jsonb'::regtype AND arg = 'methods' THEN $t$'["naive"]'::jsonb$t$
        WHEN ty = 'jsonb'::regtype AND arg = 'candidates' THEN $t$'["naive", "mean"]'::jsonb$t$
        WHEN ty = 'jsonb'::regtype AND arg = 'folds' THEN $t$'{"n_folds": 2}'::jsonb$t$
        WHEN ty = 'jsonb'::regtype AND arg = 'doc' THEN $t$cipred.export_model('bi_model', 1)$t$
        WHEN ty = 'jsonb'::regtype AND arg = 'features' THEN 'NULL::jsonb'
        WHEN ty = 'jsonb'::regtype AND arg = 'fixed' THEN $t$'{"y": 3}'::jsonb$t$
        WHEN ty = 'jsonb'::regtype THEN $t$'{}'::jsonb$t$
        WHEN ty = 'integer'::regtype AND arg = 'horizon' THEN '3'
        WHEN ty = 'integer'::regtype AND arg IN ('period', 'bins') THEN '7'
        WHEN ty = 'integer'::regtype AND arg IN ('version', 'p_version') THEN '1'
        WHEN ty = 'integer'::regtype AND arg = 'n' THEN '40'
        WHEN ty = 'integer'::regtype AND arg = 'n_folds' THEN '2'
        WHEN ty = 'integer'::regtype AND arg IN ('gap', 'stale_after') THEN '1'
        WHEN ty = 'integer'::regtype THEN 'NULL::integer'
        WHEN ty = 'bigint'::regtype AND arg IN ('quarantine_id') THEN '(SELECT min(id) FROM cipred.quarantine)'
        WHEN ty = 'bigint'::regtype AND arg IN ('alert_id') THEN '(SELECT min(alert_id) FROM cipred.alerts)'
        WHEN ty = 'bigint'::regtype AND arg IN ('rid') THEN '(SELECT max(run_id) FROM cipred.pipeline_runs)'
        WHEN ty = 'bigint'::regtype THEN 'NULL::bigint'
        WHEN ty = 'float8'::regtype AND arg = 'level' THEN '95::float8'
        WHEN ty = 'float8'::regtype AND arg = 'lambda' THEN '5::float8'
        WHEN ty = 'float8'::regtype THEN '0.25::float8'
        WHEN ty = 'float8[]'::regtype AND arg = 'levels' THEN $t$'{80,95}'::float8[]$t$
        WHEN ty = 'float8[]'::regtype AND arg IN ('x') THEN $t$'{3,40}'::float8[]$t$
        WHEN ty = 'float8[]'::regtype AND arg = 'y' AND fn = 'fit_series' THEN $t$ARRAY(SELECT y FROM bi.series WHERE series = 'a' ORDER BY ts)$t$
        WHEN ty = 'float8[]'::regtype AND arg IN ('forecasts') THEN $t$'{10,12}'::float8[]$t$
        WHEN ty = 'float8[]'::regtype THEN $t$'{1,2,3,4,5,6,7,8,9,10,11,12}'::float8[]$t$
        WHEN ty = 'timestamptz'::regtype AND arg IN ('last_ts', 'to_ts', 'train_end') THEN $t$'2024-03-01'::timestamptz$t$
        WHEN ty = 'timestamptz'::regtype THEN $t$'2024-01-01'::timestamptz$t$
        WHEN ty = 'timestamptz[]'::regtype THEN $t$ARRAY(SELECT ts FROM bi.series WHERE series = 'a' ORDER BY ts)$t$
        WHEN ty = 'interval'::regtype AND arg IN ('horizon', 'step', 'gap') THEN $t$'3 days'::interval$t$
        WHEN ty = 'interval'::regtype AND arg = 'psi_window' THEN $t$'7 days'::interval$t$
        WHEN ty = 'interval'::regtype AND arg IN ('initial', 'window_size', 'budget') THEN 'NULL::interval'
        WHEN ty = 'interval'::regtype THEN $t$'1 day'::interval$t$
        WHEN ty = 'boolean'::regtype THEN 'false'
        WHEN ty = 'anyelement'::regtype THEN '1'
        ELSE format('NULL::%s', ty) END;
END $$;

-- hostile values of a type (SQL text)
CREATE FUNCTION bi.hostile(ty regtype) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT v FROM (VALUES
        ('float8'::regtype, $h$'NaN'::float8$h$), ('float8', $h$'Infinity'::float8$h$), ('float8', $h$'-Infinity'::float8$h$),
        ('float8', '1e308::float8'), ('float8', '-1e308::float8'), ('float8', '0::float8'), ('float8', '-1::float8'),
        ('float8', '5e-324::float8'),
        ('integer', '0'), ('integer', '-1'), ('integer', '2147483647'), ('integer', '(-2147483648)'),
        ('bigint', '0::bigint'), ('bigint', '-1::bigint'), ('bigint', '9223372036854775807::bigint'),
        ('text', $h$''$h$), ('text', $h$'nosuch'$h$), ('text', $h$repeat('x', 20000)$h$), ('text', $h$E'a\nb'$h$),
        ('text', $h$'(SELECT 1)'$h$), ('text', $h$'bi.series; DROP TABLE bi.series'$h$),
        ('name', $h$''::name$h$), ('name', $h$'nosuch'::name$h$),
        ('jsonb', $h$'null'::jsonb$h$), ('jsonb', $h$'[]'::jsonb$h$), ('jsonb', $h$'"x"'::jsonb$h$), ('jsonb', $h$'1e308'::jsonb$h$),
        ('jsonb', $h$'{"x": 1}'::jsonb$h$), ('jsonb', $h$'{"period": 0}'::jsonb$h$), ('jsonb', $h$'{"period": 1000000000}'::jsonb$h$),
        ('jsonb', $h$'{"periods": [1e9, -1]}'::jsonb$h$), ('jsonb', $h$'{"model": "XYZ"}'::jsonb$h$),
        ('jsonb', $h$'{"n_folds": 1e9, "step": -1}'::jsonb$h$), ('jsonb', $h$'["nosuch", {"method": 1e308}]'::jsonb$h$),
        ('jsonb', $h$'{"not_null": "yes", "min": "x", "future": "1 year"}'::jsonb$h$),
        ('jsonb', $h$'{"y": 1e308, "ts": "infinity"}'::jsonb$h$),
        ('jsonb', $h$(repeat('[', 1000) || repeat(']', 1000))::jsonb$h$),
        ('float8[]', $h$'{}'::float8[]$h$), ('float8[]', $h$'{NaN}'::float8[]$h$), ('float8[]', $h$'{Infinity,1}'::float8[]$h$),
        ('float8[]', $h$'{NULL,1}'::float8[]$h$), ('float8[]', $h$'{{1,2},{3,4}}'::float8[]$h$),
        ('float8[]', $h$'{1e308,-1e308,1e308}'::float8[]$h$), ('float8[]', $h$'{0,0,0,0,0,0,0,0,0,0,0,0}'::float8[]$h$),
        ('float8[]', $h$array_fill(1::float8, ARRAY[20000])$h$),
        ('timestamptz', $h$'infinity'::timestamptz$h$), ('timestamptz', $h$'-infinity'::timestamptz$h$),
        ('timestamptz', $h$'4713-01-01 BC'::timestamptz$h$), ('timestamptz', $h$'294276-12-31 23:59:59'::timestamptz$h$),
        ('timestamptz[]', $h$'{}'::timestamptz[]$h$), ('timestamptz[]', $h$'{infinity,-infinity}'::timestamptz[]$h$),
        ('timestamptz[]', $h$'{NULL}'::timestamptz[]$h$),
        ('interval', $h$'0'::interval$h$), ('interval', $h$'-1 day'::interval$h$), ('interval', $h$'1 microsecond'::interval$h$),
        ('interval', $h$'1 second'::interval$h$), ('interval', $h$'1 mon 1 day'::interval$h$),
        ('interval', $h$'178000000 years'::interval$h$),
        ('text[]', $h$'{}'::text[]$h$), ('text[]', $h$'{NULL}'::text[]$h$), ('text[]', $h$'{""}'::text[]$h$),
        ('text[]', $h$'{{a,b},{c,d}}'::text[]$h$),
        ('name[]', $h$'{}'::name[]$h$), ('name[]', $h$'{NULL}'::name[]$h$), ('name[]', $h$'{nosuch}'::name[]$h$),
        ('regclass', $h$'pg_class'::regclass$h$),
        ('bigint[]', $h$'{}'::bigint[]$h$), ('bigint[]', $h$'{-1,-1}'::bigint[]$h$)
    ) h(t, v) WHERE h.t = ty
    UNION ALL SELECT format('NULL::%s', ty)
    UNION ALL SELECT format('(SELECT model::cipred.model FROM bi.damaged WHERE label = %L)', label)
      FROM bi.damaged WHERE ty = 'cipred.model'::regtype
$$;

CREATE TABLE bi.results (fn text, call text, outcome text);

-- The hostile calls of one function: each as the query that runs it.
CREATE FUNCTION bi.calls(f regprocedure, OUT call text, OUT q text) RETURNS SETOF record LANGUAGE plpgsql AS $$
DECLARE
    p pg_proc := (SELECT x FROM pg_proc x WHERE x.oid = f);
    names text[] := coalesce(p.proargnames, '{}');
    types regtype[];
    nin int := p.pronargs;
    is_agg bool := p.prokind = 'a';
    is_set bool := p.proretset OR p.prorettype = 'record'::regtype OR
                   (SELECT t.typtype = 'c' FROM pg_type t WHERE t.oid = p.prorettype);
    i int;
    j int;
    h text;
    args text[];
BEGIN
    SELECT array_agg(t::regtype ORDER BY o) INTO types FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, o);
    IF 'internal'::regtype = ANY (types) OR p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype, 'internal'::regtype)
       OR p.prokind = 'p' OR f = 'cipred.run_as(name, text, text, boolean)'::regprocedure THEN
        RETURN;
    END IF;
    FOR i IN 1 .. nin LOOP
        FOR h IN SELECT * FROM bi.hostile(types[i]) LOOP
            args := '{}';
            FOR j IN 1 .. nin LOOP
                args := args || CASE WHEN j = i THEN h ELSE bi.typical(p.proname, coalesce(names[j], ''), types[j], j, is_agg) END;
            END LOOP;
            call := format('%I.%I(%s)', p.pronamespace::regnamespace::text, p.proname, array_to_string(args, ', '));
            q := CASE WHEN is_agg THEN format('SELECT %s::text FROM generate_series(1, 40) g', call)
                      WHEN is_set THEN format('SELECT string_agg(r::text, '';'') FROM (SELECT * FROM %s LIMIT 200000) r', call)
                      ELSE format('SELECT %s::text', call) END;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END $$;

-- The all-typical call of a function, whose success shows that the
-- hostile calls reach past its first checks.
CREATE FUNCTION bi.typical_call(f regprocedure) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    p pg_proc := (SELECT x FROM pg_proc x WHERE x.oid = f);
    names text[] := coalesce(p.proargnames, '{}');
    types regtype[];
    is_agg bool := p.prokind = 'a';
    is_set bool := p.proretset OR p.prorettype = 'record'::regtype OR
                   (SELECT t.typtype = 'c' FROM pg_type t WHERE t.oid = p.prorettype);
    args text[] := '{}';
    call text;
BEGIN
    SELECT array_agg(t::regtype ORDER BY o) INTO types FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, o);
    IF NOT EXISTS (SELECT 1 FROM bi.calls(f)) THEN
        RETURN NULL;
    END IF;
    FOR j IN 1 .. p.pronargs LOOP
        args := args || bi.typical(p.proname, coalesce(names[j], ''), types[j], j, is_agg);
    END LOOP;
    call := format('%I.%I(%s)', p.pronamespace::regnamespace::text, p.proname, array_to_string(args, ', '));
    RETURN CASE WHEN is_agg THEN format('SELECT %s::text FROM generate_series(1, 40) g', call)
                WHEN is_set THEN format('SELECT string_agg(r::text, '';'') FROM (SELECT * FROM %s LIMIT 200000) r', call)
                ELSE format('SELECT %s::text', call) END;
END $$;
CREATE TABLE bi.typical (fn text, outcome text);
CREATE FUNCTION bi.check_typical(fn text, q text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
BEGIN
    BEGIN
        EXECUTE q;
        RAISE EXCEPTION USING ERRCODE = 'ZZ999';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    END;
    INSERT INTO bi.typical VALUES (fn, CASE WHEN st = 'ZZ999' THEN 'ok' ELSE st || ': ' || msg END);
END $$;

-- Runs one call (as a statement of its own, so that the session's
-- statement_timeout applies to it) in a subtransaction rolled back after,
-- and records it when it breaks the rules.
CREATE FUNCTION bi.check(fn text, call text, q text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    res text;
    st text;
    msg text;
BEGIN
    BEGIN
        EXECUTE q INTO res;
        RAISE EXCEPTION USING ERRCODE = 'ZZ999';
    EXCEPTION
        WHEN query_canceled THEN
            st := '57014';
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    END;
    IF st = 'XX000' THEN
        INSERT INTO bi.results VALUES (fn, left(call, 300), 'XX000: ' || msg);
    ELSIF st = '57014' THEN
        INSERT INTO bi.results VALUES (fn, left(call, 300), 'timeout: ' || msg);
    ELSIF st = 'ZZ999' AND res ~ '(^|[^A-Za-z])(NaN|Infinity)([^A-Za-z]|$)' THEN
        INSERT INTO bi.results VALUES (fn, left(call, 300), 'non-finite result: ' || left(res, 200));
    END IF;
    INSERT INTO bi.done VALUES (fn);
END $$;
CREATE TABLE bi.done (fn text);
