-- online_taylor: online aggregation of day-ahead experts on the half-hourly
-- electricity series (taylor), 56 daily origins, weights frozen at each
-- origin (learnt from the actuals known by then only), against the best
-- single expert and the best fixed convex weights in hindsight
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

CREATE TEMP TABLE series (series text, ts timestamptz, period int, value float8);
\copy series FROM 'test/data/series.csv' CSV HEADER
CREATE TABLE taylor AS SELECT ts, value AS y FROM series WHERE series = 'taylor';

-- the experts' day-ahead forecasts at 56 midnight origins
CREATE TEMP TABLE bt AS
SELECT * FROM cipred.backtest('taylor', NULL, 'ts', 'y',
    '[{"name": "mstl", "method": "mstl", "options": {"periods": [48, 336]}},
      {"name": "mstl_week", "method": "mstl", "options": {"periods": [336]}},
      {"name": "theta_week", "method": "theta", "options": {"period": 336}},
      {"name": "snaive_week", "method": "snaive", "options": {"period": 336}}]',
    48, '{"n_folds": 56, "step": 48}', NULL, period => 336);
SELECT method, points, round(mase::numeric, 4) AS mase FROM bt WHERE step IS NULL ORDER BY mase;
CREATE TEMP TABLE oof AS
SELECT b.fold, b.origin, b.ts, b.actual, max(b.mase_scale) AS scale,
       array_agg(b.forecast ORDER BY array_position('{mstl,mstl_week,theta_week,snaive_week}'::text[], b.method)) AS f
FROM cipred.backtest_forecasts b WHERE b.run_id = (SELECT max(run_id) FROM bt)
GROUP BY 1, 2, 3, 4;

-- each day's weights from the rows whose actual was known at its origin
CREATE TEMP TABLE mixtures AS
WITH days AS (SELECT DISTINCT fold, origin FROM oof),
w AS MATERIALIZED (SELECT meth, loss, d.fold,
             (SELECT cipred.online_weights(o.actual, o.f, meth, jsonb_build_object('loss', loss) ORDER BY o.ts)
                FROM oof o WHERE o.ts <= d.origin) AS w
        FROM days d, unnest('{ewa,fixed_share,mlpoly,boa}'::text[]) meth, unnest('{square,absolute}'::text[]) loss)
SELECT meth || ' (' || loss || ')' AS method, o.fold, o.ts, o.actual, o.scale,
       coalesce(cipred.combine(w.w, o.f), (SELECT avg(x) FROM unnest(o.f) x)) AS forecast
FROM w JOIN oof o USING (fold);
-- day-ahead MASE over all 56 days and over the last 36 (after 20 days of learning)
SELECT method, round(cipred.mase(actual, forecast, scale)::numeric, 4) AS mase_56d,
       round((cipred.mase(actual, forecast, scale) FILTER (WHERE fold > 20))::numeric, 4) AS mase_last_36d
FROM (SELECT * FROM mixtures
      UNION ALL
      SELECT e.name, o.fold, o.ts, o.actual, o.scale, o.f[e.j]
      FROM oof o, unnest('{mstl,mstl_week,theta_week,snaive_week}'::text[]) WITH ORDINALITY e(name, j)
      UNION ALL
      -- the best fixed convex weights in hindsight (not a forecast: a bound)
      SELECT 'convex weights in hindsight', o.fold, o.ts, o.actual, o.scale,
             cipred.combine((SELECT cipred.combination(actual, f, 'convex') FROM oof), o.f)
      FROM oof o) x
GROUP BY method ORDER BY mase_56d;
DROP TABLE taylor;
