-- mstl: multi-seasonal decomposition (MSTL) with ETS on the seasonally
-- adjusted series, as R's stlf, on the half-hourly taylor series (periods 48
-- and 336; R's stlf_mstl row of r_reference.csv) and on monthly data
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET IntervalStyle = 'postgres';

CREATE TEMP TABLE series (series text, ts timestamptz, period int, value float8);
\copy series FROM 'test/data/series.csv' CSV HEADER
CREATE TEMP TABLE r_ref (series text, period int, h int, method text, smape float8, mase float8, fit_s float8);
\copy r_ref FROM 'test/data/r_reference.csv' CSV HEADER
-- taylor without its last day
CREATE TEMP TABLE tr AS
SELECT ts, value FROM series WHERE series = 'taylor' AND ts < (SELECT max(ts) FROM series WHERE series = 'taylor') - interval '23 hours 30 minutes';

-- default periods for half-hourly data: a day and a week of steps
CREATE TEMP TABLE m AS SELECT cipred.fit(ts, value, 'mstl') AS m FROM tr;
SELECT cipred.model_kind(m), i->'periods' AS periods, i->>'form' AS form, i->'n' AS n,
       jsonb_array_length(i->'seasonal_last') AS last_cycles,
       m::text::cipred.model::text = m::text AS round_trip
FROM (SELECT m, cipred.model_info(m) AS i FROM m) x;

-- day-ahead accuracy against R's stlf (forecast 8.20, mstl + ets) on the
-- same 48 half-hours: the same MASE to 4 decimals (the issue asks to beat
-- it; this version equals it)
SELECT round(o.mase::numeric, 4) AS mase, r.mase AS r_stlf_mase, abs(o.mase - r.mase) < 5e-4 AS same_as_r,
       o.mase < r.mase AS beats_stlf, round(o.c80::numeric, 2) AS cover80, round(o.c95::numeric, 2) AS cover95
FROM (SELECT cipred.mase(a.value, f.forecast, (SELECT cipred.mase_scale(ts, value, 336) FROM tr)) AS mase,
             cipred.coverage(a.value, f.lo[1], f.hi[1]) AS c80, cipred.coverage(a.value, f.lo[2], f.hi[2]) AS c95
      FROM m, cipred.forecast(m.m, 48) f JOIN series a ON a.series = 'taylor' AND a.ts = f.ts) o
JOIN r_ref r ON r.series = 'taylor' AND r.method = 'stlf_mstl';

-- fitted values: seasonal components plus ETS's one-step fits of the
-- adjusted series, one per point
SELECT count(*) AS points, count(fitted) AS fitted, avg(abs(residual)) < 0.01 * avg(actual) AS small_residuals
FROM m, cipred.fitted(m.m);

-- periods given; a monthly series gets its year; input order and parallel
-- pieces do not matter
SELECT cipred.model_info(cipred.fit(ts, value, 'mstl', '{"periods": [48]}'))->'periods' AS periods FROM tr;
SELECT i->'periods' AS periods, i->>'form' AS form
FROM (SELECT cipred.model_info(cipred.fit(ts, value, 'mstl')) AS i FROM series WHERE series = 'AirPassengers') x;
SELECT (SELECT cipred.fit(ts, value, 'mstl', '{"model": "AAdN"}') FROM (SELECT * FROM series WHERE series = 'gas' ORDER BY ts DESC) a)::text =
       (SELECT cipred.fit(ts, value, 'mstl', '{"model": "AAdN"}') FROM (SELECT * FROM series WHERE series = 'gas' ORDER BY ts) b)::text AS order_free;

-- a damaged model is refused
SELECT regress.err(format($$SELECT %L::cipred.model$$, jsonb_set(m::text::jsonb, '{periods,1}', '5000')::text)),
       regress.err(format($$SELECT %L::cipred.model$$, jsonb_set(m::text::jsonb, '{seasonal_last,0}', '"NaN"')::text)),
       regress.err(format($$SELECT %L::cipred.model$$, jsonb_set(m::text::jsonb, '{form}', '"MNA"')::text)),
       regress.err(format($$SELECT %L::cipred.model$$,
                          jsonb_set(jsonb_set(m::text::jsonb, '{periods}', '[9223372036854775807, 9223372036854775807, 4]'),
                                    '{seasonal_last}', '[1, 2]')::text)) AS huge_periods
FROM m;

-- bad input
SELECT q, regress.err(q) FROM (VALUES
  ($$SELECT cipred.fit(ts, value, 'mstl', '{"periods": [48, 2000]}') FROM tr$$),
  ($$SELECT cipred.fit(ts, value, 'mstl', '{"periods": [1]}') FROM tr$$),
  ($$SELECT cipred.fit(ts, value, 'mstl', '{"periods": []}') FROM tr$$),
  ($$SELECT cipred.fit(ts, value, 'mstl', '{"periods": 48}') FROM tr$$),
  ($$SELECT cipred.fit(ts, value, 'mstl', '{"periods": [2, 3, 4, 5, 6]}') FROM tr$$),
  ($$SELECT cipred.fit(ts, value, 'mstl', '{"model": "MAM"}') FROM tr$$),
  ($$SELECT cipred.fit(ts, value, 'mstl', '{"model": "XYZ"}') FROM tr$$),
  ($$SELECT cipred.fit(ts, value, 'mstl', '{"order": [1, 0, 0]}') FROM tr$$),
  ($$SELECT cipred.fit(ts, value, 'mstl', '{"periods": [48]}') FROM tr WHERE ts < '2000-06-06'$$),
  ($$SELECT cipred.fit(ts, value, 'mstl') FROM series WHERE series = 'UKgas' AND ts < '1962-01-01'$$)
) t(q);

-- ARIMA on the adjusted series ("adjusted": "arima", R's stlf with method
-- "arima"): the same order and forecasts as R's (test/data/r_stlf_arima.csv,
-- from test/reference/make_r_stlf_arima.R); on this day it scores worse
-- than ETS, as R's does
CREATE TEMP TABLE r_sa (step int, mean float8, lo80 float8, hi80 float8, lo95 float8, hi95 float8, "order" text, aicc float8);
\copy r_sa FROM 'test/data/r_stlf_arima.csv' CSV HEADER
CREATE TEMP TABLE ma AS SELECT cipred.fit(ts, value, 'mstl', '{"adjusted": "arima"}') AS m FROM tr;
SELECT i->>'adjusted' AS adjusted, i->'order' AS "order", (SELECT "order" FROM r_sa LIMIT 1) AS r_order,
       abs((i->>'aicc')::float8 - (SELECT aicc FROM r_sa LIMIT 1)) < 0.5 AS aicc_as_r,
       jsonb_array_length(i->'adjusted_y') AS adjusted_points, i ? 'form' AS has_ets_fields,
       m::text::cipred.model::text = m::text AS round_trip
FROM (SELECT m, cipred.model_info(m) AS i FROM ma) x;
SELECT count(*) AS steps,
       max(abs(f.forecast - r.mean) / r.mean) < 1e-4 AS mean_as_r,
       max(greatest(abs(f.lo[1] - r.lo80), abs(f.hi[1] - r.hi80), abs(f.lo[2] - r.lo95), abs(f.hi[2] - r.hi95))
           / (r.hi95 - r.lo95)) < 0.01 AS bounds_as_r
FROM ma, cipred.forecast(ma.m, 48) f JOIN r_sa r USING (step);
SELECT round(cipred.mase(a.value, f.forecast, (SELECT cipred.mase_scale(ts, value, 336) FROM tr))::numeric, 4) AS mase_arima,
       (SELECT mase FROM r_ref WHERE series = 'taylor' AND method = 'stlf_mstl') AS r_stlf_ets_mase
FROM ma, cipred.forecast(ma.m, 48) f JOIN series a ON a.series = 'taylor' AND a.ts = f.ts;
-- fitted values: ARIMA's one-step fits of the stored adjusted series plus
-- the seasonal components
SELECT count(*) AS points, count(fitted) AS fitted, avg(abs(residual)) < 0.01 * avg(actual) AS small_residuals
FROM ma, cipred.fitted(ma.m);
-- a damaged ARIMA mstl model is refused: ETS fields mixed in, a short
-- adjusted series, an unknown adjusted model, an ETS model with ARIMA fields,
-- a seasonal ARIMA order (the adjusted series has no season)
SELECT regress.err(format($$SELECT %L::cipred.model$$, jsonb_set(ma.m::text::jsonb, '{alpha}', '0.5')::text)) AS ets_field,
       regress.err(format($$SELECT %L::cipred.model$$, (ma.m::text::jsonb - 'adjusted_y')::text)) AS no_adjusted_y,
       regress.err(format($$SELECT %L::cipred.model$$, jsonb_set(ma.m::text::jsonb, '{adjusted_y}', '[1, 2]')::text)) AS short_adjusted_y,
       regress.err(format($$SELECT %L::cipred.model$$, jsonb_set(ma.m::text::jsonb, '{adjusted}', '"ets"')::text)) AS adjusted_ets,
       regress.err(format($$SELECT %L::cipred.model$$, jsonb_set(m.m::text::jsonb, '{order}', '[0, 1, 1, 0, 0, 0, 1, 0]')::text)) AS arima_field_in_ets,
       regress.err(format($$SELECT %L::cipred.model$$, jsonb_set(ma.m::text::jsonb, '{order}', '[1, 1, 3, 0, 1, 0, 48, 0]')::text)) AS seasonal_arima
FROM ma, m;
-- bad options
SELECT q, regress.err(q) FROM (VALUES
  ($$SELECT cipred.fit(ts, value, 'mstl', '{"adjusted": "arma"}') FROM tr$$),
  ($$SELECT cipred.fit(ts, value, 'mstl', '{"adjusted": 1}') FROM tr$$),
  ($$SELECT cipred.fit(ts, value, 'mstl', '{"adjusted": "arima", "model": "ANN"}') FROM tr$$),
  ($$SELECT cipred.fit(ts, value, 'ets', '{"adjusted": "arima"}') FROM tr$$)
) t(q);
-- "adjusted": "ets" is the default
SELECT (SELECT cipred.fit(ts, value, 'mstl', '{"adjusted": "ets"}') FROM tr)::text = (SELECT m::text FROM m) AS ets_default;
-- the array form (parallel scans) gives the same model
SELECT cipred.fit_series(array_agg(ts ORDER BY ts), array_agg(value ORDER BY ts), 'mstl', '{"adjusted": "arima"}')::text =
       (SELECT m::text FROM ma) AS fit_series_same
FROM tr;
