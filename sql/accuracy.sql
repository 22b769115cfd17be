-- accuracy: the aggregates on the shared real series against R's forecast
-- package (test/data/r_accuracy.csv and r_snaive_forecasts.csv, made by
-- test/reference/make_r_accuracy.R; r_reference.csv from ../shared/data)
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';

CREATE TEMP TABLE series (series text, ts timestamptz, period int, value float8);
\copy series FROM 'test/data/series.csv' CSV HEADER
CREATE TEMP TABLE r_fc (series text, step int, actual float8, forecast float8,
    lo80 float8, hi80 float8, lo95 float8, hi95 float8);
\copy r_fc FROM 'test/data/r_snaive_forecasts.csv' CSV HEADER
CREATE TEMP TABLE r_acc (series text, metric text, value float8, source text);
\copy r_acc FROM 'test/data/r_accuracy.csv' CSV HEADER
CREATE TEMP TABLE r_ref (series text, period int, h int, method text,
    smape float8, mase float8, fit_s float8);
\copy r_ref FROM 'test/data/r_reference.csv' CSV HEADER

-- each series' frequency and R's horizon
CREATE TEMP TABLE spec AS
SELECT series, max(period) AS period, min(ts) AS first_ts, max(ts) AS last_ts,
       CASE max(period) WHEN 12 THEN interval '1 month' WHEN 4 THEN interval '3 months'
            WHEN 1 THEN interval '1 year' ELSE interval '30 minutes' END AS freq,
       CASE max(period) WHEN 12 THEN 18 WHEN 4 THEN 8 WHEN 1 THEN 6 ELSE 48 END AS h
FROM series GROUP BY series;

-- 1. our aggregates on R's own forecasts equal R's accuracy() and the
--    definitions (relative difference below 1e-9)
CREATE TEMP TABLE ours AS
SELECT f.series, m.metric, m.value
FROM (SELECT series,
        cipred.bias(actual, forecast) AS bias, cipred.rmse(actual, forecast) AS rmse,
        cipred.mae(actual, forecast) AS mae, cipred.mape(actual, forecast) AS mape,
        cipred.smape(actual, forecast) AS smape, cipred.wape(actual, forecast) AS wape,
        cipred.coverage(actual, lo80, hi80) AS coverage80,
        cipred.coverage(actual, lo95, hi95) AS coverage95,
        cipred.winkler(actual, lo80, hi80, 80) AS winkler80,
        cipred.winkler(actual, lo95, hi95, 95) AS winkler95,
        cipred.pinball(actual, lo95, 0.025) AS pinball_lo95,
        cipred.pinball(actual, hi80, 0.9) AS pinball_hi80
      FROM r_fc GROUP BY series) f,
LATERAL (VALUES ('bias', bias), ('rmse', rmse), ('mae', mae), ('mape', mape),
    ('smape', smape), ('wape', wape), ('coverage80', coverage80),
    ('coverage95', coverage95), ('winkler80', winkler80), ('winkler95', winkler95),
    ('pinball_lo95', pinball_lo95), ('pinball_hi80', pinball_hi80)) m(metric, value);

-- in-sample scales over the training part (all but the last h points)
INSERT INTO ours
SELECT s.series, m.metric, m.value
FROM (SELECT s.series, cipred.mase_scale(s.ts, s.value, s.period) AS mase_scale,
             cipred.rmsse_scale(s.ts, s.value, s.period) AS rmsse_scale
      FROM series s JOIN spec p USING (series)
      WHERE s.ts <= p.last_ts - p.freq * p.h
      GROUP BY s.series) s,
LATERAL (VALUES ('mase_scale', mase_scale), ('rmsse_scale', rmsse_scale)) m(metric, value);

-- MASE and RMSSE with those scales
INSERT INTO ours
SELECT f.series, 'mase', cipred.mase(f.actual, f.forecast, sc.value)
FROM r_fc f JOIN ours sc ON sc.series = f.series AND sc.metric = 'mase_scale'
GROUP BY f.series
UNION ALL
SELECT f.series, 'rmsse', cipred.rmsse(f.actual, f.forecast, sc.value)
FROM r_fc f JOIN ours sc ON sc.series = f.series AND sc.metric = 'rmsse_scale'
GROUP BY f.series
UNION ALL
SELECT f.series, 'mase_accuracy', cipred.mase(f.actual, f.forecast, sc.value)
FROM r_fc f JOIN ours sc ON sc.series = f.series AND sc.metric = 'mase_scale'
GROUP BY f.series;

SELECT r.metric, r.source, count(*) AS series,
       count(*) FILTER (WHERE abs(o.value - r.value) <= 1e-9 * greatest(1, abs(r.value))) AS equal
FROM r_acc r LEFT JOIN ours o USING (series, metric)
GROUP BY r.metric, r.source ORDER BY r.metric;

-- 2. seasonal naive computed in SQL over cipred.folds (one fold: the last h
--    points) reproduces R's snaive() forecasts ...
CREATE TEMP TABLE snaive AS
SELECT p.series, f.fold, f.origin, d.ts, k.step, d.value AS actual, src.value AS forecast
FROM spec p
CROSS JOIN LATERAL cipred.folds(p.first_ts, p.last_ts, p.freq, p.freq * p.h, n_folds => 1) f
JOIN series d ON d.series = p.series AND d.ts BETWEEN f.test_start AND f.test_end
CROSS JOIN LATERAL (SELECT cipred.grid_steps(f.origin, d.ts, p.freq) AS step) k
JOIN series src ON src.series = p.series
 AND src.ts = d.ts - p.freq * (p.period * ceil(k.step::float8 / p.period));

SELECT count(*) AS points, count(*) FILTER (WHERE s.forecast = r.forecast) AS same_as_r
FROM snaive s JOIN r_fc r USING (series, step);

-- 3. ... and its sMAPE and MASE equal the snaive rows of r_reference.csv
--    (given to 4 decimals)
SELECT s.series, round(s.smape::numeric, 4) AS smape, r.smape AS r_smape,
       round(s.mase::numeric, 4) AS mase, r.mase AS r_mase,
       abs(s.smape - r.smape) < 5e-5 AND abs(s.mase - r.mase) < 5e-5 AS same
FROM (SELECT n.series, cipred.smape(n.actual, n.forecast) AS smape,
             cipred.mase(n.actual, n.forecast, sc.scale) AS mase
      FROM snaive n
      JOIN (SELECT x.series, cipred.mase_scale(x.ts, x.value, p.period) AS scale
            FROM series x JOIN spec p USING (series)
            WHERE x.ts <= p.last_ts - p.freq * p.h
            GROUP BY x.series) sc USING (series)
      GROUP BY n.series) s
JOIN r_ref r ON r.series = s.series AND r.method = 'snaive'
ORDER BY s.series;
