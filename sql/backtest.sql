-- backtest: rolling-origin backtests on tables, as-of features, no leakage
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET DateStyle = 'ISO, YMD';

-- run ids from 1 (other tests' runs go)
DELETE FROM cipred.backtest_runs;
SELECT setval('cipred.backtest_runs_run_id_seq', 1, false);

CREATE TABLE series (series text, ts timestamptz, period int, value float8);
\copy series FROM 'test/data/series.csv' CSV HEADER
CREATE TABLE seatbelts (ts date, "DriversKilled" float8, drivers float8, front float8, rear float8,
    kms float8, "PetrolPrice" float8, "VanKilled" float8, law int);
\copy seatbelts FROM 'test/data/seatbelts.csv' CSV HEADER
CREATE TABLE ap AS SELECT ts, value AS y FROM series WHERE series = 'AirPassengers';

-- 1. every monthly shared series x 4 folds x 5 methods; the summary by method
SELECT method, points, round(mase::numeric, 3) AS mase, round(smape::numeric, 2) AS smape,
       array_length(coverage, 1) AS levels, coverage[2] >= coverage[1] AS nested
FROM cipred.backtest('(SELECT * FROM series WHERE period = 12)', 'series', 'ts', 'value',
    '["snaive", "naive", "theta", {"name": "arima_011", "method": "arima", "options": {"order": [0,1,1], "seasonal_order": [0,1,1]}},
      {"name": "mean_lm", "method": "linreg"}]', 18, '{"n_folds": 4, "step": 6}')
WHERE step IS NULL;
SELECT source, spec->'folds' AS folds, rows_read, series, folds, forecasts, duration >= '0' AS timed
FROM cipred.backtest_runs WHERE run_id = 1;
-- the folds are those of cipred.fold_positions over each series' points
SELECT bool_and(f.fold IS NOT NULL) AS same_folds, count(*) AS series_x_folds
FROM (SELECT DISTINCT series, fold, origin FROM cipred.backtest_forecasts WHERE run_id = 1) b
JOIN (SELECT s.series, s.n, p.* FROM (SELECT series, count(*)::int AS n FROM series WHERE period = 12 GROUP BY 1) s,
             cipred.fold_positions(s.n, 18, 6, NULL, 4) p) f ON f.series = b.series AND f.fold = b.fold
JOIN (SELECT series, ts, row_number() OVER (PARTITION BY series ORDER BY ts) AS pos FROM series) o
  ON o.series = b.series AND o.pos = f.origin AND o.ts = b.origin;
-- snaive out of fold is the value one season before, from the training window
SELECT count(*) AS points, bool_and(b.forecast = a.value) AS snaive_exact
FROM cipred.backtest_forecasts b
JOIN series a ON a.series = b.series
 AND a.ts = b.origin - interval '1 month' * (12 - ((b.step - 1) % 12) - 1)
WHERE b.run_id = 1 AND b.method = 'snaive';
-- the stored summary is the metric aggregates over the stored forecasts
SELECT bool_and(abs(s.mase - x.mase) < 1e-12 AND abs(s.mae - x.mae) < 1e-9) AS summary_consistent
FROM cipred.backtest_scores s
JOIN (SELECT method, cipred.mase(actual, forecast, mase_scale) AS mase, cipred.mae(actual, forecast) AS mae
        FROM cipred.backtest_forecasts WHERE run_id = 1 GROUP BY method) x USING (method)
WHERE s.run_id = 1 AND s.step IS NULL;
-- by horizon step: steps 1..18, each with every series x fold
SELECT count(DISTINCT step) AS steps, min(points) AS min_points, max(points) AS max_points
FROM cipred.backtest_scores WHERE run_id = 1 AND method = 'theta' AND step IS NOT NULL;

-- 2. nothing after the origin reaches a fold: garbage after fold 1's origin
-- leaves fold 1's forecasts unchanged, for every method
CREATE TABLE ap_garbage AS
SELECT ts, CASE WHEN ts > (SELECT origin FROM cipred.backtest_forecasts WHERE run_id = 1 AND series = 'AirPassengers' AND fold = 1 LIMIT 1)
                THEN y * 10 + 1000 ELSE y END AS y
FROM ap;
SELECT count(*) AS runs FROM (
  SELECT DISTINCT run_id FROM cipred.backtest('ap', NULL, 'ts', 'y', '["ets", "theta", "arima", "linreg"]', 18, '{"n_folds": 4, "step": 6}')
  UNION ALL
  SELECT DISTINCT run_id FROM cipred.backtest('ap_garbage', NULL, 'ts', 'y', '["ets", "theta", "arima", "linreg"]', 18, '{"n_folds": 4, "step": 6}')) r;
SELECT a.method, count(*) AS points,
       bool_and(a.forecast = b.forecast AND a.lo = b.lo AND a.hi = b.hi AND a.mase_scale = b.mase_scale) AS fold1_unchanged
FROM cipred.backtest_forecasts a
JOIN cipred.backtest_forecasts b ON b.run_id = 3 AND b.method = a.method AND b.fold = a.fold AND b.ts = a.ts
WHERE a.run_id = 2 AND a.fold = 1
GROUP BY a.method ORDER BY a.method;
SELECT a.method, bool_or(a.forecast <> b.forecast) AS fold4_changed
FROM cipred.backtest_forecasts a
JOIN cipred.backtest_forecasts b ON b.run_id = 3 AND b.method = a.method AND b.fold = a.fold AND b.ts = a.ts
WHERE a.run_id = 2 AND a.fold = 4
GROUP BY a.method ORDER BY a.method;

-- 3. linear models on features: seatbelts, with law known in advance and
-- the petrol price and distance driven published a month late
SELECT method, points, round(mae::numeric, 2) AS mae, round(mase::numeric, 4) AS mase
FROM cipred.backtest('seatbelts', NULL, 'ts', 'drivers',
    '["snaive", {"name": "lm", "method": "linreg", "features": ["law", "PetrolPrice", "kms"]},
      {"name": "ridge", "method": "linreg", "features": ["law", "PetrolPrice", "kms"], "options": {"lambda": 10}}]',
    12, '{"n_folds": 4, "step": 12}', '{95}',
    features => '[{"name": "law", "known": true}, {"name": "PetrolPrice", "lag": "1 month"}, {"name": "kms", "lag": "1 month"}]')
WHERE step IS NULL;
SET client_min_messages = warning;  -- the per-fold fits below drop law where it is constant
-- the moving aggregate gives the same models as a fit per fold on its own
-- training rows (features as of each row's time: a month-late value is the
-- previous month's)
WITH r AS (SELECT max(run_id) AS id FROM cipred.backtest_runs),
x AS (SELECT ts, drivers AS y, law::float8 AS law,
             lag("PetrolPrice") OVER (ORDER BY ts) AS petrol, lag(kms) OVER (ORDER BY ts) AS kms,
             row_number() OVER (ORDER BY ts) AS pos FROM seatbelts),
f AS (SELECT * FROM cipred.fold_positions((SELECT count(*)::int FROM seatbelts), 12, 12, NULL, 4)),
m AS (SELECT f.fold, f.origin, cipred.linreg(x.y, ARRAY[x.law, x.petrol, x.kms]) AS model
        FROM f JOIN x ON x.pos BETWEEN f.train_start AND f.train_end GROUP BY f.fold, f.origin)
SELECT count(*) AS points,
       bool_and(abs(b.forecast - cipred.predict(m.model, ARRAY[t.law, o.petrol, o.kms])) < 1e-7 * abs(b.forecast)) AS same_as_per_fold
FROM cipred.backtest_forecasts b
JOIN r ON b.run_id = r.id
JOIN m ON m.fold = b.fold
JOIN x t ON t.ts = b.ts
JOIN x o ON o.pos = m.origin   -- published a month late: at the origin, the month before it
WHERE b.method = 'lm';
-- a sliding window of 60 months: the same against per-fold fits
SELECT points, round(mase::numeric, 4) AS mase FROM cipred.backtest('seatbelts', NULL, 'ts', 'drivers',
    '[{"name": "lm60", "method": "linreg", "features": ["law"]}]', 12, '{"n_folds": 4, "step": 12, "window_size": 60}',
    features => '[{"name": "law", "known": true}]') WHERE step IS NULL;
WITH r AS (SELECT max(run_id) AS id FROM cipred.backtest_runs),
x AS (SELECT ts, drivers AS y, law::float8 AS law, row_number() OVER (ORDER BY ts) AS pos FROM seatbelts),
f AS (SELECT * FROM cipred.fold_positions((SELECT count(*)::int FROM seatbelts), 12, 12, NULL, 4, 0, 60)),
m AS (SELECT f.fold, cipred.linreg(x.y, ARRAY[x.law]) AS model, min(x.pos) AS first_pos
        FROM f JOIN x ON x.pos BETWEEN f.train_start AND f.train_end GROUP BY f.fold)
SELECT count(*) AS points, bool_and(abs(b.forecast - cipred.predict(m.model, ARRAY[t.law])) < 1e-7 * abs(b.forecast)) AS same_as_per_fold,
       min(m.first_pos) > 1 AS window_slides
FROM cipred.backtest_forecasts b, r, m, x t
WHERE b.run_id = r.id AND b.fold = m.fold AND t.ts = b.ts;
RESET client_min_messages;
-- what each feature is worth, and what it costs
SELECT method, feature, points, mae_without > mae_with AS helps, cost_ms >= 0 AS costed
FROM cipred.backtest_features WHERE run_id = (SELECT max(run_id) - 1 FROM cipred.backtest_runs)
ORDER BY method, feature;
-- without kms: least squares refits each origin's model exactly from its
-- statistics (cipred.linreg_drop), ridge by a new pass; both equal a
-- backtest of the method without the feature
CREATE TEMP TABLE feature_run AS SELECT max(run_id) - 1 AS id FROM cipred.backtest_runs;
CREATE TEMP TABLE without_kms AS
SELECT * FROM cipred.backtest('seatbelts', NULL, 'ts', 'drivers',
    '[{"name": "lm", "method": "linreg", "features": ["law", "PetrolPrice"]},
      {"name": "ridge", "method": "linreg", "features": ["law", "PetrolPrice"], "options": {"lambda": 10}}]',
    12, '{"n_folds": 4, "step": 12}', '{95}',
    features => '[{"name": "law", "known": true}, {"name": "PetrolPrice", "lag": "1 month"}]');
SELECT b.method, abs(f.mae_without - b.mae) < 1e-9 * b.mae AS same_as_backtest_without,
       abs(f.mase_without - b.mase) < 1e-9 * b.mase AS same_mase
FROM cipred.backtest_features f
JOIN without_kms b ON b.method = f.method AND b.step IS NULL
WHERE f.run_id = (SELECT id FROM feature_run) AND f.feature = 'kms'
ORDER BY b.method;

-- 4. leakage: a feature equal to the target, observed when the target is
CREATE TABLE oracle AS SELECT ts, y AS v, ts AS available_at FROM ap;
-- a naive setup (the test rows' own feature values) is perfect ...
SELECT round(cipred.mae(a.y, cipred.predict(m.model, ARRAY[o.v]))::numeric, 6) AS naive_setup_mae
FROM (SELECT cipred.linreg(a.y, ARRAY[o.v]) AS model FROM ap a JOIN oracle o USING (ts) WHERE a.ts < '1958-01-01') m,
     ap a JOIN oracle o USING (ts) WHERE a.ts >= '1958-01-01';
-- ... cipred only sees the values available at each origin: no better than
-- the last value known at the origin (the naive forecast), exactly
SELECT method, points, round(mae::numeric, 6) AS mae FROM cipred.backtest('ap', NULL, 'ts', 'y',
    '["naive", {"name": "oracle", "method": "linreg", "features": ["oracle"]}]', 12, '{"n_folds": 4, "step": 12}',
    features => '[{"name": "oracle", "source": "oracle", "column": "v", "available_column": "available_at"}]')
WHERE step IS NULL;
-- the same with a publication lag standing in for available_at
SELECT method, points, round(mae::numeric, 6) AS mae FROM cipred.backtest('ap', NULL, 'ts', 'y',
    '["naive", {"name": "oracle", "method": "linreg", "features": ["oracle"]}]', 12, '{"n_folds": 4, "step": 12}',
    features => '[{"name": "oracle", "source": "oracle", "column": "v", "lag": "0"}]')
WHERE step IS NULL;
-- declared known in advance, it is used for future steps: the declaration
-- is the user's, and it shows
SELECT method, round(mae::numeric, 6) AS mae FROM cipred.backtest('ap', NULL, 'ts', 'y',
    '[{"name": "oracle", "method": "linreg", "features": ["oracle"]}]', 12, '{"n_folds": 4, "step": 12}',
    features => '[{"name": "oracle", "source": "oracle", "column": "v", "known": true}]')
WHERE step IS NULL;
-- revised vintages (a weather-forecast-like feature): an early vintage,
-- issued two months ahead, is off by 1000; the final one, issued at the
-- time, is exact.  Training rows see the final vintages, but one step after
-- an origin only the early vintage was issued: MAE exactly 1000, where the
-- final vintage would have given 0
CREATE TABLE vintages AS
SELECT ts, issued, y + CASE WHEN issued < ts THEN 1000 ELSE 0 END AS v
FROM ap, LATERAL (VALUES (ts - interval '2 months'), (ts)) i(issued);
SELECT method, round(mae::numeric, 6) AS mae FROM cipred.backtest('ap', NULL, 'ts', 'y',
    '["naive", {"name": "vint", "method": "linreg", "features": ["vint"]}]', 1, '{"n_folds": 12}',
    features => '[{"name": "vint", "source": "vintages", "column": "v", "available_column": "issued"}]')
WHERE step IS NULL;

-- 5. a non-superuser runs a backtest and reads only its own runs (a run
-- holds its source's values); deletes only its own
CREATE ROLE cipred_bt_user;
GRANT SELECT ON ap TO cipred_bt_user;
SET ROLE cipred_bt_user;
SELECT method, points FROM cipred.backtest('ap', NULL, 'ts', 'y', '["snaive"]', 6, '{"n_folds": 2}') WHERE step IS NULL;
SELECT count(*) AS runs_seen, bool_and(run_by = current_user) AS all_own,
       (SELECT count(DISTINCT run_id) FROM cipred.backtest_forecasts) AS forecast_runs_seen FROM cipred.backtest_runs;
-- no rows into someone else's run, no work rows in someone else's name
SELECT regress.err($$INSERT INTO cipred.backtest_scores (run_id, method, points, mae) VALUES (1, 'naive', 1, 0.001)$$) AS foreign_scores,
       regress.err($$INSERT INTO cipred.backtest_work (token, run_id, series, fold, origin_ts, test_start, test_end, ts, y, run_by)
                     VALUES (gen_random_uuid(), 1000, 'ap', 1, now(), 1, 1, '{}', '{}', 'postgres')$$) AS spoofed_work;
-- work rows planted in one's own name for a future run id
INSERT INTO cipred.backtest_work (token, run_id, series, fold, origin_ts, test_start, test_end, ts, y)
SELECT gen_random_uuid(), r, 'ap', 1, '1958-06-01', 1, 200, array_agg(ts ORDER BY ts), array_agg(1e6::float8)
FROM ap, generate_series(currval('cipred.backtest_runs_run_id_seq') + 1, currval('cipred.backtest_runs_run_id_seq') + 20) r GROUP BY r;
DELETE FROM cipred.backtest_runs;
SELECT count(*) AS own_runs_left FROM cipred.backtest_runs WHERE run_by = 'cipred_bt_user';
RESET ROLE;
SELECT count(*) > 0 AS others_kept FROM cipred.backtest_runs;
-- ... do not reach another user's backtest (a superuser's, whom RLS does not filter)
SELECT method, points, round(mae::numeric, 4) AS mae FROM cipred.backtest('ap', NULL, 'ts', 'y', '["snaive"]', 6, '{"n_folds": 2}') WHERE step IS NULL;
DELETE FROM cipred.backtest_work;

-- 6. a long backtest is cancelled cleanly (statement_timeout here), and
-- leaves nothing behind
SELECT count(*) AS runs_before FROM cipred.backtest_runs;
SET statement_timeout = '300ms';
\set VERBOSITY terse
SELECT * FROM cipred.backtest('(SELECT * FROM series WHERE period = 12)', 'series', 'ts', 'value',
                              '["ets", "arima"]', 18, '{"n_folds": 12, "step": 2}');
\set VERBOSITY default
RESET statement_timeout;
SELECT count(*) AS runs_after FROM cipred.backtest_runs;
SELECT count(*) AS work_tables_left FROM pg_class WHERE relname LIKE 'cipred_bt%' AND relpersistence = 't';

-- 7. column types: a boolean feature; timestamp without time zone across a
-- daylight-saving change (read as UTC, so no local hour collides); integer
-- targets; a work-table name shadowed earlier in search_path
CREATE TABLE hourly AS
SELECT t::timestamp AS ts, (100 + 10 * sin(i / 24.0 * 2 * pi()) + i % 7)::int AS y, (i % 24 < 8) AS night
FROM generate_series(0, 24 * 14 - 1) i, LATERAL (SELECT timestamp '2020-03-20 00:00' + i * interval '1 hour' AS t) x;
SET TimeZone = 'Europe/Berlin';
SELECT method, points FROM cipred.backtest('hourly', NULL, 'ts', 'y',
    '["snaive", {"name": "lm", "method": "linreg", "features": ["night"]}]', 24, '{"n_folds": 3}',
    features => '[{"name": "night", "known": true}]') WHERE step IS NULL;
SET TimeZone = 'UTC';
CREATE TABLE public.cipred_bt_data (s text, t timestamptz, y float8, pos int, n int);
SET search_path = public, pg_temp;
SELECT method, points FROM cipred.backtest('ap', NULL, 'ts', 'y', '["naive"]', 6, '{"n_folds": 2}') WHERE step IS NULL;
RESET search_path;
DROP TABLE public.cipred_bt_data, hourly;

-- 8. bad input
CREATE TABLE victim (x int);
CREATE TABLE dup AS SELECT * FROM ap UNION ALL SELECT * FROM ap WHERE ts = '1955-01-01';
CREATE TABLE txt AS SELECT ts, y::text AS y FROM ap;
CREATE TABLE nan AS SELECT ts, CASE WHEN ts = '1955-01-01' THEN 'NaN' ELSE y END AS y FROM ap;
SELECT q, regress.err(q) FROM (VALUES
    ($$SELECT cipred.backtest('nosuch', NULL, 'ts', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('nosuch.tbl', NULL, 'ts', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'nosuch', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'nosuch', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('ap', 'nosuch', 'ts', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '["prophet"]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '[]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '["naive", "naive"]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '[{"method": "naive", "opts": {}}]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '[{"method": "ets", "features": ["x"]}]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '[{"method": "linreg", "features": ["x"]}]', 6)$$),
    ($$SELECT cipred.backtest('txt', NULL, 'ts', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'y', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '["naive"]', 0)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '["naive"]', 200)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '["naive"]', 12, '{"n_folds": 20, "step": 12}')$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '["naive"]', 12, '{"initial": 0}')$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '["naive"]', 12, '{"folds": 3}')$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '["naive"]', 12, '{"n_folds": 2.5}')$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '["naive"]', 12, '[]')$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '["naive"]', 12, levels => '{80,100}')$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '["ets", "arima"]', 12, levels => '{0.8,0.95}')$$),
    ($$SELECT cipred.backtest('dup', NULL, 'ts', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('nan', NULL, 'ts', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('(SELECT * FROM ap WHERE false)', NULL, 'ts', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '[{"method": "ets", "options": {"model": "XYZ"}}]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '[{"method": "linreg", "features": ["o"]}]', 6, features => '[{"name": "o", "source": "oracle", "column": "v"}]')$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '[{"method": "linreg", "features": ["o"]}]', 6, features => '[{"name": "o", "source": "oracle", "column": "v", "lag": "soon"}]')$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '[{"method": "linreg", "features": ["o"]}]', 6, features => '[{"name": "o", "source": "oracle", "column": "nosuch", "known": true}]')$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '[{"method": "linreg", "features": ["o"]}]', 6, features => '[{"name": "o", "source": "oracle", "column": "v", "available_column": "v"}]')$$),
    ($$SELECT cipred.backtest(NULL, NULL, 'ts', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', NULL, 6)$$),
    -- hostile identifiers: quoted, so they are only (missing) names
    ($$SELECT cipred.backtest('ap; DROP TABLE victim', NULL, 'ts', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y"; DROP TABLE victim; --', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('ap', 'x); DROP TABLE victim; --', 'ts', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('(SELECT * FROM ap) s; DROP TABLE victim; SELECT (1', NULL, 'ts', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('(WITH d AS (DELETE FROM victim RETURNING *) SELECT * FROM ap)', NULL, 'ts', 'y', '["naive"]', 6)$$),
    ($$SELECT cipred.backtest('ap', NULL, 'ts', 'y', '[{"method": "linreg", "features": ["o"]}]', 6, features => '[{"name": "o", "source": "oracle; DROP TABLE victim", "column": "v", "known": true}]')$$)
) t(q);
SELECT count(*) AS victim_still_there FROM victim;
REVOKE SELECT ON ap FROM cipred_bt_user;
DROP ROLE cipred_bt_user;
DROP TABLE series, seatbelts, ap, ap_garbage, oracle, vintages, victim, dup, txt, nan;

-- last_backtest: the current role's newest run (the examples' way to name it)
SELECT cipred.last_backtest() = (SELECT max(run_id) FROM cipred.backtest_runs WHERE run_by = current_user) AS last_is_newest;
SELECT count(*) > 0 AS rows_of_last FROM cipred.backtest_scores WHERE run_id = cipred.last_backtest();
-- a role with no run of its own: P0002, not another role's run
CREATE ROLE regress_nobt;
SET ROLE regress_nobt;
\set VERBOSITY default
SELECT cipred.last_backtest();
RESET ROLE;
DROP ROLE regress_nobt;
