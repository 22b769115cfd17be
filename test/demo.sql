-- demo.sql - the end-to-end job so far, on the real series shipped in
-- test/data: rolling-origin folds, seasonal-naive baselines computed in SQL
-- over those folds, prediction intervals, and accuracy tables from cipred's
-- metric aggregates.  Run by `make demo` in a throwaway cluster.
\set QUIET on
\set ON_ERROR_STOP on
\pset footer off
\pset null '-'
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET client_min_messages = warning;

CREATE TABLE readings (series text, ts timestamptz, period int, value float8,
                       PRIMARY KEY (series, ts));
\copy readings FROM 'test/data/series.csv' CSV HEADER

\echo
\echo '== data loaded from test/data/series.csv (two of the eleven series used here)'
SELECT series, count(*) AS points, min(ts) AS first, max(ts) AS last, max(period) AS period
FROM readings WHERE series IN ('AirPassengers', 'taylor') GROUP BY series ORDER BY series;

-- the cross-validation design per series
CREATE TABLE design (series text, freq interval, horizon interval, step interval,
                     n_folds int, window_size interval);
INSERT INTO design VALUES
    ('AirPassengers', '1 month', '18 months', '6 months', 6, NULL),     -- expanding window
    ('taylor', '30 minutes', '1 day', '1 day', 14, '4 weeks');           -- sliding 4 weeks

-- the baselines: forecast(t) = value at t - lag * ceil(step / lag)
CREATE TABLE methods (series text, method text, lag int);
INSERT INTO methods VALUES ('AirPassengers', 'naive', 1), ('AirPassengers', 'snaive', 12),
    ('taylor', 'snaive_day', 48), ('taylor', 'snaive_week', 336);

CREATE TABLE folds AS
SELECT d.series, f.*
FROM design d
JOIN (SELECT series, min(ts) AS first_ts, max(ts) AS last_ts FROM readings GROUP BY series) r USING (series)
CROSS JOIN LATERAL cipred.folds(r.first_ts, r.last_ts, d.freq, d.horizon, step => d.step,
                                n_folds => d.n_folds, window_size => d.window_size) f;

\echo
\echo '== rolling-origin folds from cipred.folds() (first and last two of each series)'
SELECT series, fold, origin, train_start, train_size, test_start, test_end, test_size
FROM folds f
WHERE fold <= 2 OR fold > (SELECT max(fold) - 2 FROM folds g WHERE g.series = f.series)
ORDER BY series, fold;

-- per fold, learned on its training window only: the MASE/RMSSE scales
-- (seasonal period of the series) and each method's in-sample residual sigma
CREATE TABLE fold_stats AS
SELECT f.series, f.fold, m.method, m.lag,
       cipred.mase_scale(r.ts, r.value, r.period) AS mase_scale,
       cipred.rmsse_scale(r.ts, r.value, r.period) AS rmsse_scale,
       sqrt(cipred.rmsse_scale(r.ts, r.value, m.lag)) AS sigma
FROM folds f
JOIN methods m USING (series)
JOIN readings r ON r.series = f.series AND r.ts BETWEEN f.train_start AND f.train_end
GROUP BY f.series, f.fold, m.method, m.lag;

-- out-of-fold forecasts with 80% and 95% intervals (sigma * sqrt(seasons ahead))
CREATE TABLE forecasts AS
SELECT f.series, m.method, f.fold, f.origin, a.ts, k.step, a.value AS actual,
       src.value AS forecast, st.mase_scale, st.rmsse_scale,
       st.sigma * sqrt(ceil(k.step::float8 / m.lag)) AS se
FROM folds f
JOIN design d USING (series)
JOIN methods m USING (series)
JOIN fold_stats st ON st.series = f.series AND st.fold = f.fold AND st.method = m.method
JOIN readings a ON a.series = f.series AND a.ts BETWEEN f.test_start AND f.test_end
CROSS JOIN LATERAL (SELECT cipred.grid_steps(f.origin, a.ts, d.freq) AS step) k
JOIN readings src ON src.series = f.series
                 AND src.ts = a.ts - d.freq * (m.lag * ceil(k.step::float8 / m.lag));

\echo
\echo '== accuracy over all folds (errors are actual - forecast; percentages for sMAPE, WAPE)'
SELECT series, method, count(*) AS points,
       round(cipred.mae(actual, forecast)::numeric, 1) AS mae,
       round(cipred.rmse(actual, forecast)::numeric, 1) AS rmse,
       round(cipred.bias(actual, forecast)::numeric, 1) AS bias,
       round(cipred.smape(actual, forecast)::numeric, 2) AS smape,
       round(cipred.wape(actual, forecast)::numeric, 2) AS wape,
       round(cipred.mase(actual, forecast, mase_scale)::numeric, 3) AS mase,
       round(cipred.rmsse(actual, forecast, rmsse_scale)::numeric, 3) AS rmsse,
       round(cipred.coverage(actual, forecast - 1.2815515655446004 * se,
                             forecast + 1.2815515655446004 * se)::numeric, 2) AS cover80,
       round(cipred.coverage(actual, forecast - 1.959963984540054 * se,
                             forecast + 1.959963984540054 * se)::numeric, 2) AS cover95,
       round(cipred.winkler(actual, forecast - 1.959963984540054 * se,
                            forecast + 1.959963984540054 * se, 95)::numeric, 0) AS winkler95
FROM forecasts GROUP BY series, method ORDER BY series, mase;

\echo
\echo '== AirPassengers: accuracy by horizon (months ahead), 6 folds each'
SELECT step AS months_ahead,
       round((cipred.mae(actual, forecast) FILTER (WHERE method = 'naive'))::numeric, 1) AS naive_mae,
       round((cipred.mae(actual, forecast) FILTER (WHERE method = 'snaive'))::numeric, 1) AS snaive_mae,
       round((cipred.smape(actual, forecast) FILTER (WHERE method = 'naive'))::numeric, 2) AS naive_smape,
       round((cipred.smape(actual, forecast) FILTER (WHERE method = 'snaive'))::numeric, 2) AS snaive_smape,
       round((cipred.mase(actual, forecast, mase_scale) FILTER (WHERE method = 'naive'))::numeric, 2) AS naive_mase,
       round((cipred.mase(actual, forecast, mase_scale) FILTER (WHERE method = 'snaive'))::numeric, 2) AS snaive_mase
FROM forecasts WHERE series = 'AirPassengers'
GROUP BY step ORDER BY step;

\echo
\echo '== taylor (half-hourly electricity): accuracy by hours ahead, 14 daily folds'
SELECT format('%s-%sh', (b - 1) * 4, b * 4) AS hours_ahead,
       round((cipred.mae(actual, forecast) FILTER (WHERE method = 'snaive_day'))::numeric, 0) AS day_mae,
       round((cipred.mae(actual, forecast) FILTER (WHERE method = 'snaive_week'))::numeric, 0) AS week_mae,
       round((cipred.mape(actual, forecast) FILTER (WHERE method = 'snaive_day'))::numeric, 2) AS day_mape,
       round((cipred.mape(actual, forecast) FILTER (WHERE method = 'snaive_week'))::numeric, 2) AS week_mape,
       round((cipred.mase(actual, forecast, mase_scale) FILTER (WHERE method = 'snaive_day'))::numeric, 2) AS day_mase,
       round((cipred.mase(actual, forecast, mase_scale) FILTER (WHERE method = 'snaive_week'))::numeric, 2) AS week_mase
FROM (SELECT *, ceil(step / 8.0)::int AS b FROM forecasts WHERE series = 'taylor') x
GROUP BY b ORDER BY b;

\echo
\echo '== taylor: weekly seasonal naive per daily fold, with a moving 3-day MAE (window aggregate)'
SELECT fold, origin::date AS origin, to_char(ts, 'Dy') AS day,
       round(mae::numeric, 0) AS mae_this_day, round(mae_3d::numeric, 0) AS mae_last_3_days
FROM (SELECT fold, origin, ts,
             cipred.mae(actual, forecast) OVER (PARTITION BY fold) AS mae,
             cipred.mae(actual, forecast) OVER (ORDER BY ts ROWS BETWEEN 143 PRECEDING AND CURRENT ROW) AS mae_3d,
             row_number() OVER (PARTITION BY fold ORDER BY ts DESC) AS last
      FROM forecasts WHERE method = 'snaive_week') x
WHERE last = 1 ORDER BY fold;

\echo
\echo '== the methods cipred.fit offers (cipred.methods(), from the tables the code checks options with)'
SELECT method, kind, min_points, (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(options) k
                                  WHERE k NOT IN ('freq', 'period', 'gaps', 'time_zone')) AS own_options
FROM cipred.methods() WITH ORDINALITY WHERE function = 'fit' ORDER BY ordinality;

\echo
\echo '== cipred.fit + cipred.forecast: AirPassengers 1959-60 held out, nine methods against the actuals'
CREATE TABLE air_fc AS
SELECT m.method, f.step, f.ts, f.forecast, f.lo, f.hi, a.value AS actual
FROM (SELECT meth AS method, cipred.fit(r.ts, r.value, meth) AS model
      FROM readings r, unnest('{snaive,naive2,ses,theta,otm,holt_damped,hw_damped,ets,arima}'::text[]) meth
      WHERE r.series = 'AirPassengers' AND r.ts < '1959-07-01' GROUP BY meth) m,
     cipred.forecast(m.model, 18) f
JOIN readings a ON a.series = 'AirPassengers' AND a.ts = f.ts;
SELECT method, round(cipred.mae(actual, forecast)::numeric, 1) AS mae,
       round(cipred.smape(actual, forecast)::numeric, 2) AS smape,
       round(cipred.coverage(actual, lo[1], hi[1])::numeric, 2) AS cover80,
       round(cipred.coverage(actual, lo[2], hi[2])::numeric, 2) AS cover95,
       round(cipred.winkler(actual, lo[2], hi[2], 95)::numeric, 0) AS winkler95
FROM air_fc GROUP BY method ORDER BY mae;
SELECT step, ts::date AS month, actual,
       round((max(forecast) FILTER (WHERE method = 'hw_damped'))::numeric, 0) AS hw_damped,
       round((max(lo[2]) FILTER (WHERE method = 'hw_damped'))::numeric, 0) AS lo95,
       round((max(hi[2]) FILTER (WHERE method = 'hw_damped'))::numeric, 0) AS hi95,
       round((max(forecast) FILTER (WHERE method = 'theta'))::numeric, 0) AS theta,
       round((max(forecast) FILTER (WHERE method = 'ets'))::numeric, 0) AS ets,
       round((max(forecast) FILTER (WHERE method = 'arima'))::numeric, 0) AS arima
FROM air_fc GROUP BY step, ts, actual ORDER BY step LIMIT 6;

\echo
\echo '== multi-seasonal: taylor''s last day forecast from the 83 days before (mstl over a day and a week with ETS or ARIMA on the adjusted series, against the weekly seasonal naive)'
CREATE TABLE taylor_fc AS
SELECT label AS method, f.ts, f.forecast, f.lo, f.hi, a.value AS actual
FROM (VALUES ('mstl', 'mstl', NULL::jsonb), ('mstl arima', 'mstl', '{"adjusted": "arima"}'),
             ('snaive', 'snaive', '{"period": 336}')) v(label, meth, opts),
     LATERAL (SELECT cipred.fit(ts, value, meth, opts) AS m
              FROM readings WHERE series = 'taylor' AND ts < '2000-08-27') x,
     LATERAL cipred.forecast(x.m, 48) f
JOIN readings a ON a.series = 'taylor' AND a.ts = f.ts;
SELECT method, round(cipred.mase(actual, forecast,
                     (SELECT cipred.mase_scale(ts, value, 336) FROM readings WHERE series = 'taylor' AND ts < '2000-08-27'))::numeric, 3) AS day_ahead_mase,
       round(cipred.coverage(actual, lo[2], hi[2])::numeric, 2) AS cover95
FROM taylor_fc GROUP BY method ORDER BY 2;

\echo
\echo '== automatic ETS and ARIMA: the form and the order chosen by AICc for each monthly and quarterly series'
SELECT series, cipred.model_info(e)->>'form' AS ets_form,
       round((cipred.model_info(e)->>'aicc')::numeric, 1) AS ets_aicc,
       cipred.model_info(a)->>'order' AS arima_pdq_PDQ_m_c
FROM (SELECT series, cipred.fit(ts, value, 'ets') AS e, cipred.fit(ts, value, 'arima') AS a FROM readings
      WHERE series IN ('AirPassengers', 'co2', 'nottem', 'UKgas', 'USAccDeaths', 'wineind', 'JohnsonJohnson', 'gas')
      GROUP BY series) x ORDER BY series;

-- regression with exogenous inputs: UK road deaths and the 1983 seat-belt law
CREATE TABLE seatbelts (ts date PRIMARY KEY, DriversKilled float8, drivers float8,
    front float8, rear float8, kms float8, PetrolPrice float8, VanKilled float8, law float8);
\copy seatbelts FROM 'test/data/seatbelts.csv' CSV HEADER
CREATE VIEW seatbelt_features AS
SELECT ts, DriversKilled AS y,
       ARRAY[kms, PetrolPrice, law] || ARRAY(SELECT (extract(month FROM ts) = m)::int::float8
                                             FROM generate_series(2, 12) m) AS x
FROM seatbelts;
CREATE TABLE seatbelt_models AS
SELECT 'all 1969-1984' AS fit,
       cipred.linreg(y, x, '{kms,PetrolPrice,law,feb,mar,apr,may,jun,jul,aug,sep,oct,nov,dec}') AS m
FROM seatbelt_features
UNION ALL
SELECT 'train 1969-1982', cipred.linreg(y, x, '{kms,PetrolPrice,law,feb,mar,apr,may,jun,jul,aug,sep,oct,nov,dec}')
FROM seatbelt_features WHERE ts < '1983-01-01';

\echo
\echo '== seatbelts: drivers killed per month on distance driven, petrol price, the law and month (cipred.linreg)'
SELECT term, round(estimate::numeric, 4) AS estimate, round(std_error::numeric, 4) AS std_error,
       round(t_value::numeric, 2) AS t_value, to_char(p_value, '9.9EEEE') AS p_value
FROM seatbelt_models, cipred.coefficients(m)
WHERE fit = 'all 1969-1984' AND term IN ('(Intercept)', 'kms', 'PetrolPrice', 'law', 'dec');
SELECT fit, (cipred.model_info(m)->>'n')::int AS months,
       round((cipred.model_info(m)->>'r2')::numeric, 3) AS r2,
       round((cipred.model_info(m)->>'adj_r2')::numeric, 3) AS adj_r2,
       round((cipred.model_info(m)->>'sigma')::numeric, 2) AS sigma,
       round((cipred.model_info(m)->>'aic')::numeric, 1) AS aic
FROM seatbelt_models ORDER BY fit;

\echo
\echo '== seatbelts: the model trained before 1983 forecasts 1983-1984 without knowing the law (law = 0)'
CREATE TABLE seatbelt_forecasts AS
SELECT f.ts, f.y AS actual, p.fit AS forecast, p.lo, p.hi
FROM seatbelt_features f, seatbelt_models m,
     LATERAL cipred.predict_interval(m.m, f.x[1:2] || 0.0::float8 || f.x[4:14], 95) p
WHERE m.fit = 'train 1969-1982' AND f.ts >= '1983-01-01';
SELECT count(*) AS months, round(cipred.mae(actual, forecast)::numeric, 1) AS mae,
       round(cipred.bias(actual, forecast)::numeric, 1) AS bias,
       round(cipred.mape(actual, forecast)::numeric, 1) AS mape,
       round(cipred.coverage(actual, lo, hi)::numeric, 2) AS cover95
FROM seatbelt_forecasts;

\echo
\echo '== backtest on a table: 5 methods x the six monthly series x 4 folds 6 months apart, 18 months ahead (cipred.backtest)'
CREATE TABLE leaderboard AS
SELECT * FROM cipred.backtest('(SELECT series, ts, value FROM readings WHERE period = 12)', 'series', 'ts', 'value',
                              '["snaive", "drift", "ets", "arima", "theta"]', 18, '{"n_folds": 4, "step": 6}');
SELECT rank() OVER (ORDER BY mase) AS rank, method, points, round(mase::numeric, 3) AS mase,
       round(smape::numeric, 2) AS smape, round(coverage[1]::numeric, 2) AS cover80, round(coverage[2]::numeric, 2) AS cover95
FROM leaderboard WHERE step IS NULL ORDER BY mase;
\echo 'MASE by horizon step (the out-of-fold forecasts are in cipred.backtest_forecasts):'
SELECT method, round(max(mase) FILTER (WHERE step = 1)::numeric, 3) AS step_1,
       round(max(mase) FILTER (WHERE step = 6)::numeric, 3) AS step_6,
       round(max(mase) FILTER (WHERE step = 12)::numeric, 3) AS step_12,
       round(max(mase) FILTER (WHERE step = 18)::numeric, 3) AS step_18
FROM leaderboard WHERE step IS NOT NULL GROUP BY method ORDER BY step_18;

\echo
\echo '== the automatic combined forecast (cipred.auto_forecast) of the monthly series, last 18 months held out'
CREATE TABLE monthly_train AS
SELECT r.* FROM readings r
WHERE r.period = 12 AND r.ts <= (SELECT max(ts) FROM readings x WHERE x.series = r.series) - interval '18 months';
CREATE TABLE auto_fc AS
SELECT * FROM cipred.auto_forecast('monthly_train', 'series', 'ts', 'value', 18);
CREATE TABLE holdout_scores AS
SELECT f.series, f.method, cipred.mase(a.value, f.forecast, sc.scale) AS mase, cipred.smape(a.value, f.forecast) AS smape,
       cipred.coverage(a.value, f.lo, f.hi) AS cover95
FROM (SELECT series, 'auto (' || strategy || ')' AS method, ts, forecast, lo[2] AS lo, hi[2] AS hi FROM auto_fc
      UNION ALL
      SELECT m.series, m.method, f.ts, f.forecast, f.lo[2], f.hi[2]
      FROM (SELECT series, method, cipred.fit(ts, value, method) AS model
            FROM monthly_train, unnest('{ets,arima,theta}'::text[]) method GROUP BY series, method) m,
           cipred.forecast(m.model, 18) f) f
JOIN readings a ON a.series = f.series AND a.ts = f.ts
JOIN (SELECT series, cipred.mase_scale(ts, value, period) AS scale FROM monthly_train GROUP BY series) sc ON sc.series = f.series
GROUP BY f.series, f.method;
SELECT series, max(method) FILTER (WHERE method LIKE 'auto%') AS auto_strategy,
       round(max(mase) FILTER (WHERE method LIKE 'auto%')::numeric, 3) AS auto,
       round(max(mase) FILTER (WHERE method = 'ets')::numeric, 3) AS ets,
       round(max(mase) FILTER (WHERE method = 'arima')::numeric, 3) AS arima,
       round(max(mase) FILTER (WHERE method = 'theta')::numeric, 3) AS theta
FROM holdout_scores GROUP BY series ORDER BY series;
\echo 'AirPassengers: the combined forecast with its conformal 95% interval'
SELECT step, ts::date AS month, round(forecast::numeric) AS forecast, round(lo[2]::numeric) AS lo95,
       round(hi[2]::numeric) AS hi95, (SELECT value FROM readings r WHERE r.series = f.series AND r.ts = f.ts) AS actual
FROM auto_fc f WHERE series = 'AirPassengers' AND step IN (1, 6, 12, 18) ORDER BY step;

\echo
\echo '== guarded ingestion: taylor loaded through a guard (quarantine mode) with deliberately broken rows'
CREATE TABLE demand (series text, ts timestamptz, mw float8);
SELECT cipred.guard('demand', 'ts', '{series}', '{mw}', '30 minutes',
                    '{"min": 0, "max": 60000, "future": "1 day"}', 'quarantine') AS guard_id;
INSERT INTO demand SELECT series, ts, value FROM readings WHERE series = 'taylor';
INSERT INTO demand VALUES
    ('taylor', '2000-08-27 23:30+00', 29000),        -- a second reading for a time already loaded
    ('taylor', '2000-08-28 00:10+00', 28000),        -- off the half-hour grid
    ('taylor', '2000-08-28 00:30+00', 'NaN'),        -- a broken sensor
    ('taylor', '2000-08-28 01:00+00', -5),           -- below the declared range
    ('taylor', '2100-01-01 00:00+00', 30000),        -- far in the future
    ('taylor', '2000-08-28 01:30+00', 27500);        -- a good row: accepted
SELECT (SELECT count(*) FROM demand) AS accepted,
       (SELECT count(*) FROM cipred.quarantine WHERE rel = 'demand'::regclass) AS quarantined;
SELECT rule, detail FROM cipred.quarantine WHERE rel = 'demand'::regclass ORDER BY id;
-- the off-grid reading, corrected and sent through the guard again
SELECT * FROM cipred.resubmit((SELECT id FROM cipred.quarantine WHERE rel = 'demand'::regclass AND rule = 'grid'),
                              (SELECT row_data || '{"ts": "2000-08-28 00:00:00+00"}' FROM cipred.quarantine
                               WHERE rel = 'demand'::regclass AND rule = 'grid'));
SELECT table_name, series, last_ts, stale FROM cipred.guard_freshness;
\echo
\echo '== operations: a day-ahead pipeline (MSTL) replayed over the last four days of the electricity data'
CREATE TABLE live_demand (series text, ts timestamptz, mw float8);
INSERT INTO live_demand SELECT series, ts, value FROM readings WHERE series = 'taylor' AND ts < '2000-08-24';
SELECT cipred.create_pipeline('dayahead', 'live_demand', 'series', 'ts', 'mw', 48, '1 day',
                              method => '{"method": "mstl", "options": {"periods": [48, 336]}}', period => 336) AS pipeline;
-- each midnight: the day's readings arrive, then the pipeline runs
DO $$
BEGIN
    FOR d IN 0 .. 3 LOOP
        IF d > 0 THEN
            INSERT INTO live_demand SELECT series, ts, value FROM readings
            WHERE series = 'taylor' AND ts >= '2000-08-23'::timestamptz + d * interval '1 day'
              AND ts < '2000-08-24'::timestamptz + d * interval '1 day';
        END IF;
        PERFORM cipred.run_pipeline('dayahead');
    END LOOP;
END $$;
SELECT run_id, status, series, forecasts, round(seconds, 3) AS seconds, to_char(budget_used, '9.9EEEE') AS budget_used
FROM cipred.run_history WHERE pipeline = 'dayahead' ORDER BY run_id;
\echo 'realised accuracy by hours ahead (cipred.pipeline_accuracy, three days of actuals):'
SELECT format('%s-%sh', (b - 1) * 6, b * 6) AS hours_ahead, sum(points) AS points,
       round((sum(mae * points) / sum(points))::numeric, 0) AS mae, round((sum(mase * points) / sum(points))::numeric, 3) AS mase,
       round((sum(coverage_95 * points) / sum(points))::numeric, 2) AS cover95
FROM (SELECT *, ceil(step / 12.0)::int AS b FROM cipred.pipeline_accuracy WHERE pipeline = 'dayahead') x
GROUP BY b ORDER BY b;
\echo 'the latest vintage, as a BI tool reads it (cipred.latest_forecasts):'
SELECT ts, step, round(forecast::numeric) AS forecast, round(lo_95::numeric) AS lo_95, round(hi_95::numeric) AS hi_95, actual
FROM cipred.latest_forecasts WHERE pipeline = 'dayahead' AND step IN (1, 12, 24, 36, 48) ORDER BY ts;
SELECT series, check_kind, round(statistic::numeric, 3) AS statistic, threshold, alarm
FROM cipred.check_drift('dayahead', psi_window => '7 days');

\echo
\echo '== resampled: the guarded half-hours as daily peak and mean demand (cipred.resample)'
SELECT p.ts::date AS day, round(p.value::numeric) AS peak_mw, round(m.value::numeric) AS mean_mw, p.rows AS half_hours
FROM cipred.resample('demand', 'series', 'ts', 'mw', '1 day', 'max') p
JOIN cipred.resample('demand', 'series', 'ts', 'mw', '1 day', 'mean') m USING (series, ts)
ORDER BY p.ts DESC LIMIT 3;

\echo
\echo '== roles and isolation: an analyst (cipred_forecaster) and a BI login (cipred_reader); the DBA runs the analyst''s pipeline'
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'demo_analyst') THEN CREATE ROLE demo_analyst; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'demo_bi') THEN CREATE ROLE demo_bi; END IF;
END $$;
GRANT cipred_forecaster TO demo_analyst;
GRANT cipred_reader TO demo_bi;
GRANT SELECT ON readings TO demo_analyst;
SET ROLE demo_analyst;
SELECT cipred.create_pipeline('analyst_monthly', '(SELECT * FROM readings WHERE period = 12)', 'series', 'ts', 'value', 12, '1 mon',
                              method => '"theta"') AS pipeline;
RESET ROLE;
-- the DBA (a superuser) runs it: the analyst's source runs as the analyst
-- in a security-restricted operation, never with the DBA's rights
SELECT run_id, status, forecasts FROM cipred.run_pipeline('analyst_monthly');
SELECT name AS pipeline, owner, (SELECT run_by FROM cipred.pipeline_runs r WHERE r.pipeline = p.name ORDER BY run_id DESC LIMIT 1) AS run_by
FROM cipred.pipelines p WHERE name = 'analyst_monthly';
-- what each role sees through the same BI view
SET ROLE demo_analyst;
SELECT count(DISTINCT pipeline) AS analyst_sees FROM cipred.latest_forecasts \gset
RESET ROLE;
SET ROLE demo_bi;
SELECT count(DISTINCT pipeline) AS bi_sees FROM cipred.latest_forecasts \gset
RESET ROLE;
SELECT :analyst_sees AS pipelines_the_analyst_sees, :bi_sees AS pipelines_the_bi_login_sees;

\echo '== what it found'
SELECT format('%s: best baseline by MASE is %s (MASE %s, sMAPE %s%%); %s''s 95%% intervals covered %s%% of actuals',
              series, method, round(mase::numeric, 3), round(smape::numeric, 2), method,
              round(100 * cover95::numeric, 0)) AS finding
FROM (SELECT DISTINCT ON (series) series, method,
             cipred.mase(actual, forecast, mase_scale) AS mase,
             cipred.smape(actual, forecast) AS smape,
             cipred.coverage(actual, forecast - 1.959963984540054 * se,
                             forecast + 1.959963984540054 * se) AS cover95
      FROM forecasts GROUP BY series, method
      ORDER BY series, 3) b
ORDER BY series;
SELECT format('seatbelts: the 1983 law goes with %s drivers killed per month (standard error %s, p = %s), R² %s; the pre-1983 model, not knowing the law, over-forecasts 1983-84 by %s a month on average',
              round(c.estimate::numeric, 1), round(c.std_error::numeric, 1),
              to_char(c.p_value, '9.9EEEE'),
              round((cipred.model_info(m.m)->>'r2')::numeric, 2),
              (SELECT round(-cipred.bias(actual, forecast)::numeric, 1) FROM seatbelt_forecasts)) AS finding
FROM seatbelt_models m, cipred.coefficients(m.m) c
WHERE m.fit = 'all 1969-1984' AND c.term = 'law';
SELECT format('guarded load: %s readings accepted, %s quarantined by rule (%s), %s corrected and resubmitted; nothing lost',
              (SELECT count(*) FROM demand),
              count(*) FILTER (WHERE resubmitted_at IS NULL),
              string_agg(DISTINCT rule, ', '),
              count(*) FILTER (WHERE resubmitted_at IS NOT NULL)) AS finding
FROM cipred.quarantine WHERE rel = 'demand'::regclass;
SELECT format('backtest: %s leads the leaderboard (MASE %s over %s out-of-fold points); on the holdout the automatic combined forecast has mean MASE %s against ets %s, arima %s, theta %s',
              (SELECT method FROM leaderboard WHERE step IS NULL ORDER BY mase LIMIT 1),
              (SELECT round(mase::numeric, 3) FROM leaderboard WHERE step IS NULL ORDER BY mase LIMIT 1),
              (SELECT points FROM leaderboard WHERE step IS NULL ORDER BY mase LIMIT 1),
              round(avg(mase) FILTER (WHERE method LIKE 'auto%')::numeric, 3),
              round(avg(mase) FILTER (WHERE method = 'ets')::numeric, 3),
              round(avg(mase) FILTER (WHERE method = 'arima')::numeric, 3),
              round(avg(mase) FILTER (WHERE method = 'theta')::numeric, 3)) AS finding
FROM holdout_scores;
SELECT format('operations: pipeline dayahead ran %s times in %s s at most (%s%% of its budget), realised day-ahead MASE %s over %s points; %s open alert(s)',
              count(*), round(max(seconds), 2), to_char(100 * max(budget_used), 'FM0.0000'),
              (SELECT round((sum(mase * points) / sum(points))::numeric, 3) FROM cipred.pipeline_accuracy WHERE pipeline = 'dayahead'),
              (SELECT sum(points) FROM cipred.pipeline_accuracy WHERE pipeline = 'dayahead'),
              (SELECT count(*) FROM cipred.open_alerts)) AS finding
FROM cipred.run_history WHERE pipeline = 'dayahead';
SELECT format('roles: the analyst''s pipeline, run by the DBA, ran its source as the analyst in a restricted operation; through latest_forecasts the analyst sees %s pipeline(s) (its own), the BI login with cipred_reader %s',
              :analyst_sees, :bi_sees) AS finding;
