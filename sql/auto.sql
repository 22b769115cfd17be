-- auto: the automatic combined forecast against every single method and
-- R's comb (protocol of the shared data: hold out the last h points)
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET DateStyle = 'ISO, YMD';

CREATE TABLE series (series text, ts timestamptz, period int, value float8);
\copy series FROM 'test/data/series.csv' CSV HEADER
CREATE TEMP TABLE r_ref (series text, period int, h int, method text, smape float8, mase float8, fit_s float8);
\copy r_ref FROM 'test/data/r_reference.csv' CSV HEADER
CREATE TABLE spec AS
SELECT series, max(period) AS period, CASE max(period) WHEN 12 THEN 18 WHEN 4 THEN 8 WHEN 1 THEN 6 END AS h
FROM series WHERE series <> 'taylor' GROUP BY series;
CREATE TABLE train AS
SELECT s.* FROM spec p
JOIN LATERAL (SELECT * FROM series s WHERE s.series = p.series ORDER BY ts
              LIMIT (SELECT count(*) FROM series c WHERE c.series = p.series) - p.h) s ON true;
CREATE TEMP TABLE scale AS
SELECT series, cipred.mase_scale(ts, value, period) AS scale FROM train GROUP BY series;

-- 1. the automatic forecast of each series from its training part
CREATE TABLE auto_fc AS
SELECT p.h, a.*
FROM spec p, cipred.auto_forecast(format('(SELECT * FROM train WHERE series = %L)', p.series),
                                  'series', 'ts', 'value', p.h) a;
SELECT count(DISTINCT series) AS series, count(*) AS points,
       bool_and(step BETWEEN 1 AND h) AS steps,
       bool_and(lo[1] <= forecast AND forecast <= hi[1] AND lo[2] <= lo[1] AND hi[1] <= hi[2]) AS nested,
       bool_and(strategy IN ('ets', 'arima', 'theta', 'mean', 'median', 'convex')) AS strategies,
       count(DISTINCT run_id) = 10 AS one_backtest_each
FROM auto_fc;

-- each single method the same way, and R's methods on the same holdout
CREATE TEMP TABLE single_fc AS
SELECT p.series, m.method, f.*
FROM spec p, unnest('{naive,snaive,ets,arima,theta,otm}'::text[]) m(method),
     LATERAL (SELECT cipred.fit(t.ts, t.value, m.method) AS model FROM train t
               WHERE t.series = p.series AND (m.method <> 'snaive' OR p.period > 1)) x,
     LATERAL cipred.forecast(x.model, p.h) f
WHERE x.model IS NOT NULL;
CREATE TEMP TABLE scores AS
SELECT 'cipred ' || x.method AS method, count(*) AS series, avg(x.mase) AS mase, avg(x.smape) AS smape,
       sum(x.c80)::float8 / sum(x.n) AS cov80, sum(x.c95)::float8 / sum(x.n) AS cov95
FROM (SELECT f.series, f.method, cipred.mase(a.value, f.forecast, sc.scale) AS mase, cipred.smape(a.value, f.forecast) AS smape,
             count(*) AS n, count(*) FILTER (WHERE a.value BETWEEN f.lo[1] AND f.hi[1]) AS c80,
             count(*) FILTER (WHERE a.value BETWEEN f.lo[2] AND f.hi[2]) AS c95
        FROM (SELECT series, method, ts, forecast, lo, hi FROM single_fc
              UNION ALL SELECT series, 'auto', ts, forecast, lo, hi FROM auto_fc) f
        JOIN series a ON a.series = f.series AND a.ts = f.ts
        JOIN scale sc ON sc.series = f.series
       GROUP BY f.series, f.method) x
GROUP BY x.method
UNION ALL
SELECT 'R ' || method, count(*), avg(mase), avg(smape), NULL, NULL
FROM r_ref WHERE method IN ('naive', 'snaive', 'ets', 'arima', 'theta', 'comb') GROUP BY method;
SELECT method, series, round(mase::numeric, 4) AS mase, round(smape::numeric, 3) AS smape,
       round(cov80::numeric, 3) AS cov80, round(cov95::numeric, 3) AS cov95
FROM scores ORDER BY mase;
-- the issue's targets: lower mean MASE and sMAPE than every single cipred
-- method and than R's comb; conformal coverage within 3 points of nominal
SELECT bool_and(a.mase < s.mase) AS auto_best_mase, bool_and(a.smape < s.smape) AS auto_best_smape,
       abs(a.cov80 - 0.80) <= 0.03 AS cov80_ok, abs(a.cov95 - 0.95) <= 0.03 AS cov95_ok
FROM scores a, scores s
WHERE a.method = 'cipred auto' AND s.method <> 'cipred auto' AND (s.method LIKE 'cipred %' OR s.method = 'R comb')
GROUP BY a.cov80, a.cov95;

-- 2. the intervals are the conformal quantiles of the chosen strategy's
-- out-of-fold absolute errors: checked where a single candidate was chosen
WITH one AS (SELECT DISTINCT series, strategy, run_id, h FROM auto_fc WHERE strategy IN ('ets', 'arima', 'theta')),
e AS (SELECT o.series, b.step, abs(b.actual - b.forecast) AS e,
             count(*) OVER (PARTITION BY o.series, b.step) AS nh
        FROM one o JOIN cipred.backtest_forecasts b ON b.run_id = o.run_id AND b.method = o.strategy),
w AS (SELECT DISTINCT series, step, ceil(greatest(19.0 / nh - 1, 0) / 2)::int AS w FROM e),
q AS (SELECT w.series, w.step, array_agg(e.e ORDER BY e.e) AS errs
        FROM w JOIN e ON e.series = w.series AND e.step BETWEEN w.step - w.w AND w.step + w.w
       GROUP BY w.series, w.step)
SELECT count(DISTINCT f.series) > 0 AS some_single, count(*) AS points,
       bool_and(abs((f.hi[2] - f.forecast) - q.errs[least(cardinality(q.errs), ceil((cardinality(q.errs) + 1) * 0.95)::int)]) < 1e-9
            AND abs((f.forecast - f.lo[1]) - q.errs[least(cardinality(q.errs), ceil((cardinality(q.errs) + 1) * 0.80)::int)]) < 1e-9) AS conformal
FROM auto_fc f JOIN one o ON o.series = f.series JOIN q ON q.series = f.series AND q.step = f.step;

-- 3. several series in one call: each series gets its own default folds
-- (series of the same length share a backtest run), so the forecasts are
-- those of one call per series
SELECT count(*) AS points, count(DISTINCT m.run_id) AS runs,
       bool_and(abs(m.forecast - a.forecast) < 1e-9 * abs(a.forecast) AND m.strategy = a.strategy
                AND abs(m.hi[2] - a.hi[2]) < 1e-9 * abs(a.hi[2])) AS same_as_one_by_one
FROM cipred.auto_forecast('(SELECT * FROM train WHERE period = 12)', 'series', 'ts', 'value', 18) m
JOIN auto_fc a USING (series, step);
-- a given fold specification and candidates
SELECT series, count(*) AS steps, min(strategy) = max(strategy) AS one_strategy
FROM cipred.auto_forecast('(SELECT * FROM train WHERE period = 4)', 'series', 'ts', 'value', 4,
                          candidates => '["ets", "snaive", {"name": "hw", "method": "hw_damped"}]',
                          folds => '{"n_folds": 6, "step": 2}')
GROUP BY series ORDER BY series;
SELECT count(*) AS steps, bool_and(lo IS NOT NULL AND cardinality(lo) = 0) AS no_levels
FROM cipred.auto_forecast('(SELECT * FROM train WHERE series = ''co2'')', NULL, 'ts', 'value', 3, NULL, '["naive"]',
                          '{"n_folds": 5}');

-- a gap in the folds: the steps before the first scored one take its errors
SELECT array_agg(step ORDER BY step) AS steps, bool_and(lo[1] < forecast AND forecast < hi[1]) AS intervals
FROM cipred.auto_forecast('(SELECT * FROM train WHERE series = ''AirPassengers'')', 'series', 'ts', 'value', 6,
                          candidates => '["naive", "snaive"]', folds => '{"n_folds": 8, "step": 1, "gap": 2}');

-- 4. bad input
SELECT q, regress.err(q) FROM (VALUES
    ($$SELECT cipred.auto_forecast('train', 'series', 'ts', 'value', NULL)$$),
    ($$SELECT cipred.auto_forecast('train', 'series', 'ts', 'value', 6, candidates => '{}')$$),
    ($$SELECT cipred.auto_forecast('train', 'series', 'ts', 'value', 6, candidates => '["ets", "prophet"]')$$),
    ($$SELECT cipred.auto_forecast('train', 'series', 'ts', 'value', 6, candidates => '[{"method": "linreg"}]')$$),
    ($$SELECT cipred.auto_forecast('train', 'series', 'ts', 'value', 6, candidates => '["naive", "linreg"]')$$),
    ($$SELECT cipred.auto_forecast('train', 'series', 'ts', 'value', 6, levels => '{0}')$$),
    ($$SELECT cipred.auto_forecast('train', 'series', 'ts', 'nosuch', 6)$$),
    ($$SELECT cipred.auto_forecast('train', 'series', 'ts', 'value', 500)$$)
) t(q);
DROP TABLE series, spec, train, auto_fc;
