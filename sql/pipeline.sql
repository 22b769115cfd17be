-- pipeline: stored pipelines, runs, vintages, actuals, failures, budget and
-- stale alerts, drift checks, BI views and a read-only role
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET DateStyle = 'ISO, YMD';

CREATE TABLE series (series text, ts timestamptz, period int, value float8);
\copy series FROM 'test/data/series.csv' CSV HEADER
-- the electricity series arrives day by day into a table
CREATE TABLE demand (series text, ts timestamptz, mw float8);
INSERT INTO demand SELECT 'taylor', ts, value FROM series WHERE series = 'taylor' AND ts < '2000-08-14';

-- 1. a day-ahead pipeline (MSTL) and a monthly one (the automatic combination)
SELECT cipred.create_pipeline('dayahead', 'demand', 'series', 'ts', 'mw', 48, '1 day',
                              method => '{"method": "mstl", "options": {"periods": [48, 336]}}',
                              period => 336, description => 'national demand, next day');
SELECT cipred.create_pipeline('monthly', '(SELECT series, ts, value FROM series WHERE series IN (''AirPassengers'', ''USAccDeaths''))',
                              'series', 'ts', 'value', 12, '1 mon', folds => '{"n_folds": 6, "step": 3}');
SELECT name, method, horizon, levels, output_period, budget, stale_action FROM cipred.pipelines ORDER BY name;

SELECT run_id, status, forecasts, budget_used < 0.01 AS well_inside_budget, error FROM cipred.run_pipeline('dayahead');
SELECT run_id, status, forecasts, error FROM cipred.run_pipeline('monthly');
-- the forecasts start after each series' last time, with nested intervals
SELECT pipeline, series, count(*) AS steps, min(step) AS first_step, max(step) AS last_step,
       min(ts) > max(origin) AS after_origin,
       bool_and(lo[1] <= forecast AND forecast <= hi[1] AND lo[2] <= lo[1] AND hi[1] <= hi[2]) AS nested,
       min(method) AS method
FROM cipred.forecasts GROUP BY pipeline, series ORDER BY pipeline, series;
-- the automatic pipeline's forecasts are auto_forecast's, and its run
-- remembers the backtest behind them
SELECT bool_and(abs(f.forecast - a.forecast) < 1e-9 * abs(a.forecast)) AS same_as_auto_forecast,
       (SELECT cardinality(backtest_runs) FROM cipred.pipeline_runs WHERE pipeline = 'monthly') AS backtest_runs,
       bool_and(f.expected_mase = a.expected_mase AND f.expected_mase > 0) AS expected_mase_kept
FROM cipred.forecasts f
JOIN cipred.auto_forecast('(SELECT series, ts, value FROM series WHERE series IN (''AirPassengers'', ''USAccDeaths''))',
                          'series', 'ts', 'value', 12, folds => '{"n_folds": 6, "step": 3}') a USING (series, ts)
WHERE f.pipeline = 'monthly';

-- 2. the next day arrives; the next run keeps the earlier vintage and
-- records the actuals of its target times
INSERT INTO demand SELECT 'taylor', ts, value FROM series WHERE series = 'taylor' AND ts >= '2000-08-14' AND ts < '2000-08-15';
SELECT run_id, status, forecasts FROM cipred.run_pipeline('dayahead');
SELECT run_id, count(*) AS forecasts, min(ts) AS first_target FROM cipred.forecasts WHERE pipeline = 'dayahead' GROUP BY run_id ORDER BY run_id;
SELECT count(*) AS actuals, min(ts), max(ts), bool_and(scale > 0) AS scaled FROM cipred.actuals WHERE pipeline = 'dayahead';
-- realised accuracy per step equals the metric over the first vintage
SELECT a.step, a.points, round(a.mae::numeric, 3) AS mae, round(a.mase::numeric, 4) AS mase,
       abs(a.mae - (SELECT avg(abs(x.actual - f.forecast)) FROM cipred.forecasts f JOIN cipred.actuals x USING (pipeline, series, ts)
                    WHERE f.pipeline = 'dayahead' AND f.step = a.step)) < 1e-9 AS mae_checks
FROM cipred.pipeline_accuracy a WHERE a.pipeline = 'dayahead' AND a.step IN (1, 24, 48) ORDER BY a.step;
SELECT pipeline, count(*) AS rows, count(actual) AS with_actual, min(made_at) IS NOT NULL AS made_at
FROM cipred.latest_forecasts GROUP BY pipeline ORDER BY pipeline;
SELECT pipeline, count(*) AS rows, count(DISTINCT run_id) AS vintages, count(error) AS with_error
FROM cipred.forecast_vintages GROUP BY pipeline ORDER BY pipeline;

-- 3. a failing run: logged with its error, no forecasts, a critical alert
CREATE TABLE short (ts timestamptz, y float8);
INSERT INTO short VALUES ('2024-01-01', 1), ('2024-01-02', 2);
SELECT cipred.create_pipeline('too_short', 'short', NULL, 'ts', 'y', 7, '1 day', method => '"ets"');
SELECT run_id, status, forecasts, error FROM cipred.run_pipeline('too_short');
SELECT count(*) AS forecasts_of_failed_run FROM cipred.forecasts WHERE pipeline = 'too_short';
-- a run that writes forecasts for one series and then fails on another
-- leaves none of them
CREATE TABLE two (s text, ts timestamptz, y float8);
INSERT INTO two SELECT 'long', t, 10 + extract(day FROM t) FROM generate_series('2024-01-01'::timestamptz, '2024-03-01', '1 day') t;
INSERT INTO two VALUES ('tiny', '2024-01-01', 1);
SELECT cipred.create_pipeline('half', 'two', 's', 'ts', 'y', 3, '1 day', method => '"ets"');
SELECT status, forecasts, error FROM cipred.run_pipeline('half');
SELECT count(*) AS forecasts_left FROM cipred.forecasts WHERE pipeline = 'half';
-- a source that disappears
SELECT cipred.create_pipeline('gone', 'short', NULL, 'ts', 'y', 1, '1 day', method => '"naive"');
ALTER TABLE short RENAME TO short_renamed;
SELECT status, error FROM cipred.run_pipeline('gone');
ALTER TABLE short_renamed RENAME TO short;

-- 4. a run over its budget raises an alert
SELECT cipred.create_pipeline('tight', 'demand', 'series', 'ts', 'mw', 48, '1 minute', method => '{"method": "mstl", "options": {"periods": [48, 336]}}',
                              budget => '1 millisecond');
SELECT status, budget_used > 1 AS over_budget FROM cipred.run_pipeline('tight');

-- 5. a guarded source whose data stopped: an alert, or a failure when asked
SELECT cipred.guard('demand', 'ts', '{series}', '{mw}', '30 minutes') > 0 AS guarded;
SELECT status FROM cipred.run_pipeline('dayahead');
SELECT cipred.create_pipeline('strict', 'demand', 'series', 'ts', 'mw', 48, '1 day', method => '"snaive"', stale_action => 'fail');
SELECT status, error FROM cipred.run_pipeline('strict');

SELECT pipeline, kind, severity, regexp_replace(message, 'took .* over', 'took (its time), over') AS message
FROM cipred.open_alerts ORDER BY alert_id;
SELECT run_id, pipeline, status, series, forecasts, stale_series, over_budget FROM cipred.run_history ORDER BY run_id;
-- an alert with a very long message still notifies (the payload is cut,
-- control characters blanked)
SELECT cipred.raise_alert('dayahead', NULL, 'drift', 'warning', repeat('é', 10000)) IS NOT NULL AS raised,
       cipred.raise_alert('dayahead', NULL, 'drift', 'warning', repeat(chr(1), 5000)) IS NOT NULL AS control_chars;
SELECT regress.err($$SELECT cipred.raise_alert('dayahead', NULL, 'mood', 'warning', 'x')$$) AS unknown_kind;
UPDATE cipred.alerts SET resolved_at = now() WHERE kind = 'drift' AND pipeline = 'dayahead';

-- 6. drift: forecasts of the mean, then the level jumps: Page-Hinkley
-- alarms on the scaled errors; the input's distribution shifted too (PSI)
CREATE TABLE level (s text, ts timestamptz, y float8);
INSERT INTO level SELECT 'a', '2024-01-01'::timestamptz + i * interval '1 day', 100 + (i % 5) FROM generate_series(0, 29) i;
SELECT cipred.create_pipeline('levels', 'level', 's', 'ts', 'y', 5, '1 day', method => '"mean"', period => 1);
DO $$
BEGIN
    FOR i IN 30 .. 49 LOOP
        PERFORM cipred.run_pipeline('levels');
        INSERT INTO level VALUES ('a', '2024-01-01'::timestamptz + i * interval '1 day',
                                  CASE WHEN i >= 40 THEN 150 ELSE 100 END + (i % 5));
    END LOOP;
END $$;
SELECT count(*) AS runs, count(*) FILTER (WHERE status = 'succeeded') AS succeeded FROM cipred.pipeline_runs WHERE pipeline = 'levels';
SELECT series, check_kind, round(statistic::numeric, 2) AS statistic, threshold, alarm, alert_id IS NOT NULL AS alerted
FROM cipred.check_drift('levels', psi_window => '10 days');
SELECT (cipred.page_hinkley(ARRAY[1, 1, 1, 1, 1, 1, 9, 9, 9, 9]::float8[], 0.1, 5)).*;
SELECT (cipred.page_hinkley(ARRAY[1, 2, 1, 2, 1, 2, 1, 2]::float8[])).*;
SELECT round(cipred.psi(array_agg(x), array_agg(x))::numeric, 6) AS same,
       round(cipred.psi(array_agg(x), array_agg(x + 3))::numeric, 3) AS shifted
FROM generate_series(1, 100) x;

-- the whole history as the recent window: no PSI row (nothing to compare)
SELECT check_kind, count(*) FROM cipred.check_drift('levels', psi_window => '1000 days') GROUP BY 1;
-- series on different grids (weekly on Mondays and on Wednesdays): every
-- run refreshes their actuals at each series' own period
CREATE TABLE weekly (s text, ts timestamptz, y float8);
INSERT INTO weekly SELECT 'mon', '2024-01-01'::timestamptz + i * interval '7 days', 10 + i % 3 FROM generate_series(0, 29) i;
INSERT INTO weekly SELECT 'wed', '2024-01-03'::timestamptz + i * interval '7 days', 20 + i % 4 FROM generate_series(0, 29) i;
SELECT cipred.create_pipeline('weeklies', 'weekly', 's', 'ts', 'y', 2, '7 days', method => '"naive"');
SELECT status FROM cipred.run_pipeline('weeklies');
INSERT INTO weekly SELECT 'mon', '2024-01-01'::timestamptz + 30 * interval '7 days', 11;
INSERT INTO weekly SELECT 'wed', '2024-01-03'::timestamptz + 30 * interval '7 days', 21;
SELECT status, error FROM cipred.run_pipeline('weeklies');
SELECT series, ts, actual, scale > 0 AS scaled FROM cipred.actuals WHERE pipeline = 'weeklies' ORDER BY series;
SELECT cipred.drop_pipeline('weeklies');
DROP TABLE weekly;

-- 7. BI views: a BI login with cipred_reader reads every pipeline's
-- results through the views and the tables, and changes nothing
CREATE ROLE regress_bi LOGIN;
GRANT cipred_reader TO regress_bi;
SET ROLE regress_bi;
SELECT (SELECT count(*) FROM cipred.latest_forecasts) > 0 AS latest, (SELECT count(*) FROM cipred.forecast_vintages) > 0 AS vintages,
       (SELECT count(*) FROM cipred.pipeline_accuracy) > 0 AS accuracy, (SELECT count(*) FROM cipred.accuracy_over_time) > 0 AS over_time,
       (SELECT count(*) FROM cipred.model_leaderboard) > 0 AS leaderboard, (SELECT count(*) FROM cipred.run_history) > 0 AS runs,
       (SELECT count(*) FROM cipred.open_alerts) > 0 AS alerts,
       (SELECT count(DISTINCT pipeline) FROM cipred.forecasts) AS pipelines_read;
SELECT q, regress.err(q) FROM (VALUES
    ($$SELECT * FROM demand$$),
    ($$SELECT cipred.run_pipeline('dayahead')$$),
    ($$DELETE FROM cipred.alerts$$),
    ($$UPDATE cipred.pipeline_runs SET status = 'failed'$$),
    ($$INSERT INTO cipred.forecasts (pipeline, run_id, series, origin, ts, step, method) VALUES ('dayahead', 1, 'x', now(), now(), 1, 'x')$$)
) t(q);
RESET ROLE;
-- a forecaster: one GRANT cipred_forecaster (and SELECT on its data) to
-- define and run pipelines
CREATE ROLE regress_forecaster;
GRANT cipred_forecaster TO regress_forecaster;
GRANT SELECT ON series TO regress_forecaster;
SET ROLE regress_forecaster;
SELECT cipred.create_pipeline('by_forecaster', '(SELECT * FROM series WHERE series = ''AirPassengers'')', 'series', 'ts', 'value',
                              12, '1 mon', folds => '{"n_folds": 4, "step": 3}');
SELECT status, forecasts, error FROM cipred.run_pipeline('by_forecaster');
-- a forecaster sees its own pipelines, runs and forecasts, not others'
SELECT (SELECT array_agg(name ORDER BY name) FROM cipred.pipelines) AS pipelines_seen,
       (SELECT array_agg(DISTINCT pipeline) FROM cipred.forecasts) AS forecasts_seen,
       (SELECT array_agg(DISTINCT pipeline) FROM cipred.latest_forecasts) AS latest_seen,
       (SELECT array_agg(DISTINCT pipeline) FROM cipred.run_history) AS runs_seen;
-- a pipeline runs with its owner's rights: a superuser running it runs the
-- owner's query as the owner (this source has rows only for its owner),
-- and another role may not run it at all
SELECT cipred.create_pipeline('by_forecaster2', '(SELECT * FROM series WHERE series = ''Nile'' AND current_user = ''regress_forecaster'')',
                              'series', 'ts', 'value', 3, '1 day', method => '"naive"');
UPDATE cipred.pipelines SET description = 'changed by its owner' WHERE name = 'by_forecaster2';
RESET ROLE;
CREATE ROLE regress_other;
GRANT cipred_forecaster TO regress_other;
SET ROLE regress_other;
SELECT regress.err($$SELECT cipred.run_pipeline('by_forecaster2')$$) AS other_runs,
       regress.err($$SELECT cipred.drop_pipeline('by_forecaster2')$$) AS other_drops;
UPDATE cipred.pipelines SET source = '(SELECT 1)' WHERE name = 'by_forecaster2';
SELECT regress.err($$INSERT INTO cipred.pipelines (name, source, time_column, target_column, method, horizon, output_period, budget, owner)
                     VALUES ('spoof', 'series', 'ts', 'value', '"naive"', 1, '1 day', '1 hour', 'regress_forecaster')$$) AS spoofed_owner;
RESET ROLE;
SELECT source FROM cipred.pipelines WHERE name = 'by_forecaster2';
SELECT status, forecasts FROM cipred.run_pipeline('by_forecaster2');
SELECT run_by FROM cipred.pipeline_runs WHERE pipeline = 'by_forecaster2';
SELECT current_user = session_user AS role_restored;
SET ROLE regress_forecaster;
SELECT cipred.drop_pipeline('by_forecaster');
SELECT cipred.drop_pipeline('by_forecaster2');
RESET ROLE;
-- without the role, the error names it
CREATE ROLE regress_nobody;
SET ROLE regress_nobody;
SELECT regress.err($$SELECT cipred.create_pipeline('nobodys', 'series', 'series', 'ts', 'value', 3, '1 day')$$) AS without_role;
RESET ROLE;
REVOKE ALL ON series FROM regress_forecaster;
DELETE FROM cipred.alerts WHERE raised_by IN ('regress_forecaster', 'regress_other');
DROP ROLE regress_forecaster, regress_other, regress_nobody;
-- the views' columns are plain types
SELECT c.relname, string_agg(DISTINCT format_type(a.atttypid, a.atttypmod), ', ') AS types
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'cipred' AND c.relkind = 'v' AND c.relname IN ('latest_forecasts', 'forecast_vintages', 'pipeline_accuracy',
      'accuracy_over_time', 'model_leaderboard', 'run_history', 'open_alerts') AND a.attnum > 0
GROUP BY c.relname ORDER BY c.relname;

-- 8. scheduling without pg_cron: a clear error (the cluster test runs it
-- with pg_cron preloaded); cron schedules of output periods
SELECT regress.err($$SELECT cipred.schedule_pipeline('dayahead')$$) AS without_pg_cron;
SELECT p, cipred.cron_schedule(p::interval) FROM unnest('{1 minute,15 minutes,30 minutes,1 hour,6 hours,1 day,24 hours,7 days,1 mon,7 minutes,5 hours,30 days,720 hours,2 mons}'::text[]) p;

-- 8a. housekeeping: a stale input raises one alert, open until a run finds
-- the input fresh; an auto pipeline keeps the backtests of its last
-- backtest_retention runs only
CREATE TABLE hourly_in (series text, ts timestamptz, y float8);
SELECT cipred.guard('hourly_in', 'ts', '{series}', '{y}', '1 hour') > 0 AS guarded;
INSERT INTO hourly_in SELECT 'h', date_trunc('hour', now()) - i * interval '1 hour', 10 + i % 5 FROM generate_series(10, 60) i;
SELECT cipred.create_pipeline('hourly_stale', 'hourly_in', 'series', 'ts', 'y', 2, '1 hour', method => '"naive"');
SELECT status FROM cipred.run_pipeline('hourly_stale');
SELECT status FROM cipred.run_pipeline('hourly_stale');
SELECT count(*) AS stale_alerts, count(*) FILTER (WHERE resolved_at IS NULL) AS open FROM cipred.alerts WHERE pipeline = 'hourly_stale' AND kind = 'stale';
INSERT INTO hourly_in SELECT 'h', date_trunc('hour', now()) - i * interval '1 hour', 10 + i % 5 FROM generate_series(0, 9) i;
SELECT status FROM cipred.run_pipeline('hourly_stale');
SELECT count(*) AS stale_alerts, count(*) FILTER (WHERE resolved_at IS NULL) AS open FROM cipred.alerts WHERE pipeline = 'hourly_stale' AND kind = 'stale';
SELECT cipred.drop_pipeline('hourly_stale');
SELECT cipred.unguard('hourly_in');
DROP TABLE hourly_in;
DELETE FROM cipred.alerts WHERE pipeline = 'hourly_stale';
UPDATE cipred.pipelines SET backtest_retention = 1 WHERE name = 'monthly';
SELECT status FROM cipred.run_pipeline('monthly');
SELECT count(*) AS runs, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM cipred.backtest_runs b WHERE b.run_id = ANY (r.backtest_runs))) AS with_backtest_kept
FROM cipred.pipeline_runs r WHERE r.pipeline = 'monthly' AND r.status = 'succeeded';
SELECT regress.err($$UPDATE cipred.pipelines SET backtest_retention = -1 WHERE name = 'monthly'$$) AS negative_retention;

-- 8b. execute_pipeline commits a run's start before its work; a run left
-- 'running' by a backend that has gone (as after kill -9: the cluster test
-- pipeline_kill kills real ones) is marked abandoned by the next run or
-- check, with an alert; a live backend's run is not
SET client_min_messages = warning;
CALL cipred.execute_pipeline('dayahead');
RESET client_min_messages;
SELECT status, forecasts, pid = pg_backend_pid() AS this_backend,
       backend_start = (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS backend_start_known
FROM cipred.pipeline_runs WHERE run_id = (SELECT max(run_id) FROM cipred.pipeline_runs);
INSERT INTO cipred.pipeline_runs (pipeline, started_at, budget, pid, backend_start)
VALUES ('dayahead', now() - interval '1 hour', '16 hours', 2147483647, now() - interval '2 hours'),
       ('dayahead', now() - interval '1 hour', '16 hours', pg_backend_pid(), now() - interval '2 days'),
       ('dayahead', now(), '16 hours', pg_backend_pid(), (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()));
SELECT cipred.mark_abandoned('dayahead') AS abandoned;
SELECT pid = 2147483647 AS gone_pid, status, finished_at IS NOT NULL AS finished, error IS NOT NULL AS explained
FROM cipred.pipeline_runs WHERE pipeline = 'dayahead' AND status IN ('running', 'abandoned') ORDER BY run_id;
SELECT kind, severity, run_id IS NOT NULL AS has_run FROM cipred.alerts WHERE kind = 'abandoned' ORDER BY alert_id;
SELECT cipred.mark_abandoned() AS again;
DELETE FROM cipred.pipeline_runs WHERE pipeline = 'dayahead' AND status IN ('running', 'abandoned');
DELETE FROM cipred.alerts WHERE kind = 'abandoned';

-- 9. bad input
SELECT q, regress.err(q) FROM (VALUES
    ($$SELECT cipred.create_pipeline('dayahead', 'demand', 'series', 'ts', 'mw', 48, '1 day')$$),
    ($$SELECT cipred.create_pipeline('bad name!', 'demand', 'series', 'ts', 'mw', 48, '1 day')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 0, '1 day')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '0')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 hour', budget => '2 hours')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 day', method => '"prophet"')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 day', method => '{"method": "linreg"}')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 day', method => '{"method": "ets", "candidates": []}')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'nosuch', 48, '1 day')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'series', 'mw', 48, '1 day')$$),
    ($$SELECT cipred.create_pipeline('x', 'nosuch', 'series', 'ts', 'mw', 48, '1 day')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 day', levels => '{100}')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 day', stale_action => 'ignore')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 day', method => '{"method": "ets", "options": {"modle": "ANN"}}')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 day', method => '{"method": "ets", "options": {"model": "XYZ"}}')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 day', method => '{"method": "auto", "candidates": ["ets", "prophet"]}')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 day', period => 0)$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 day', folds => '"x"')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 day', folds => '{"n_folds": -3}')$$),
    ($$SELECT cipred.create_pipeline('x', 'demand', 'series', 'ts', 'mw', 48, '1 mon 1 day')$$),
    ($$SELECT cipred.create_pipeline(NULL, 'demand', 'series', 'ts', 'mw', 48, '1 day')$$),
    ($$SELECT cipred.run_pipeline('nosuch')$$),
    ($$CALL cipred.execute_pipeline('nosuch')$$),
    ($$SELECT cipred.drop_pipeline('nosuch')$$),
    ($$SELECT cipred.unschedule_pipeline('dayahead')$$),
    ($$SELECT cipred.page_hinkley(ARRAY[1.0], -1, 5)$$),
    ($$SELECT cipred.page_hinkley(ARRAY[1.0], 'NaN', 5)$$),
    ($$SELECT cipred.page_hinkley(ARRAY[1.0], 0.1, 'Infinity')$$),
    ($$SELECT cipred.psi(ARRAY[1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 'NaN'], ARRAY[1.0])$$),
    ($$SELECT * FROM cipred.check_drift('dayahead', -1)$$),
    ($$SELECT * FROM cipred.check_drift('dayahead', 'NaN')$$),
    ($$SELECT * FROM cipred.check_drift('dayahead', lambda => 0)$$),
    ($$SELECT * FROM cipred.check_drift('dayahead', psi_window => '-1 day')$$),
    ($$SELECT * FROM cipred.check_drift('dayahead', psi_window => '7 days', psi_threshold => 'NaN')$$),
    ($$SELECT cipred.psi(ARRAY[1.0, 2.0], ARRAY[1.0])$$),
    ($$SELECT cipred.check_drift('nosuch')$$)
) t(q);

-- dropping a pipeline drops its runs, forecasts and actuals; alerts stay
SELECT cipred.drop_pipeline('levels');
SELECT (SELECT count(*) FROM cipred.pipeline_runs WHERE pipeline = 'levels') AS runs,
       (SELECT count(*) FROM cipred.forecasts WHERE pipeline = 'levels') AS forecasts,
       (SELECT count(*) FROM cipred.alerts WHERE pipeline = 'levels') > 0 AS alerts_kept;
SELECT cipred.unguard('demand');
DROP ROLE regress_bi;
DROP TABLE series, demand, short, two, level;
