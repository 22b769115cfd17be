-- mstl: multi-seasonal decomposition (MSTL) with ETS on the seasonally
-- adjusted series, as R's stlf, on the half-hourly taylor series (periods 48
-- and 336; R's stlf_mstl row of r_reference.csv) and on monthly data
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET IntervalStyle = 'postgres';

CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

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
SELECT pg_temp.err(format($$SELECT %L::cipred.model$$, jsonb_set(m::text::jsonb, '{periods,1}', '5000')::text)),
       pg_temp.err(format($$SELECT %L::cipred.model$$, jsonb_set(m::text::jsonb, '{seasonal_last,0}', '"NaN"')::text)),
       pg_temp.err(format($$SELECT %L::cipred.model$$, jsonb_set(m::text::jsonb, '{form}', '"MNA"')::text)),
       pg_temp.err(format($$SELECT %L::cipred.model$$,
                          jsonb_set(jsonb_set(m::text::jsonb, '{periods}', '[9223372036854775807, 9223372036854775807, 4]'),
                                    '{seasonal_last}', '[1, 2]')::text)) AS huge_periods
FROM m;

-- bad input
SELECT q, pg_temp.err(q) FROM (VALUES
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
