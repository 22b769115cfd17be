-- bad_input: absurd values in a model's text, arguments that would make
-- absurd outputs, and support functions called directly; every one a
-- clear error with its SQLSTATE, never NaN, an infinite number or XX000
-- (test/bad_input/run.sh calls every function with hostile arguments)
SET extra_float_digits = 0;
SET client_min_messages = warning;
CREATE TABLE bi (s text, ts timestamptz, y float8);
INSERT INTO bi SELECT 'a', '2024-01-01'::timestamptz + g * interval '1 day', 10 + 3 * sin(g / 2.0) + g % 7 FROM generate_series(0, 59) g;
INSERT INTO bi SELECT 'c', '2024-01-01'::timestamptz + g * interval '1 day', CASE WHEN g % 4 = 0 THEN 3 ELSE 0 END FROM generate_series(0, 59) g;
CREATE TABLE m AS
SELECT 'arima' AS k, cipred.fit(ts, y, 'arima')::text::jsonb AS j FROM bi WHERE s = 'a'
UNION ALL SELECT 'hw_damped', cipred.fit(ts, y, 'hw_damped', '{"period": 7}')::text::jsonb FROM bi WHERE s = 'a'
UNION ALL SELECT 'mstl', cipred.fit(ts, y, 'mstl', '{"periods": [7]}')::text::jsonb FROM bi WHERE s = 'a'
UNION ALL SELECT 'croston', cipred.fit(ts, y, 'croston')::text::jsonb FROM bi WHERE s = 'c'
UNION ALL SELECT 'linreg', cipred.linreg(y, ARRAY[extract(dow FROM ts)::float8])::text::jsonb FROM bi WHERE s = 'a'
UNION ALL SELECT 'combination', cipred.combination(y, ARRAY[y + 1, y - 2], 'convex')::text::jsonb FROM bi WHERE s = 'a';

-- 1. a damaged model: absurd values are refused by the input (22P02), or
-- its forecast overflows with 22003, never an infinite interval
SELECT q, regress.err(q) FROM (VALUES
    ($$SELECT * FROM cipred.forecast((SELECT jsonb_set(j, '{trend}', '1e308')::text::cipred.model FROM m WHERE k = 'mstl'), 3)$$),
    ($$SELECT (SELECT jsonb_set(j, '{weights}', '[1e308, -1e308]')::text::cipred.model FROM m WHERE k = 'combination')$$),
    ($$SELECT (SELECT jsonb_set(j, '{weights}', '[0.9, 0.9]')::text::cipred.model FROM m WHERE k = 'combination')$$),
    ($$SELECT (SELECT jsonb_set(j, '{rate}', '-1')::text::cipred.model FROM m WHERE k = 'croston')$$),
    ($$SELECT (SELECT jsonb_set(j, '{sigma}', '-1')::text::cipred.model FROM m WHERE k = 'linreg')$$),
    ($$SELECT cipred.predict((SELECT cipred.linreg(5 * g, ARRAY[g::float8]) FROM generate_series(1, 20) g), ARRAY[1e308])$$)
) t(q);
-- a variance so large that the interval bounds overflow: the point
-- forecasts stay, the unbounded intervals are NULL (never infinite)
SELECT k, count(*) AS steps, count(forecast) AS points, count(lo) AS bounded
FROM m, cipred.forecast(jsonb_set(j, '{sigma2}', '1e308')::text::cipred.model, 3)
WHERE k IN ('arima', 'hw_damped') GROUP BY k ORDER BY k;
-- no residual degrees of freedom: NULL bounds, not an error
SELECT (cipred.predict_interval(m, ARRAY[3.0])).lo IS NULL AS lo_null, (cipred.predict_interval(m, ARRAY[3.0])).fit IS NOT NULL AS fit_given
FROM (SELECT cipred.linreg(y, ARRAY[x]) AS m FROM (VALUES (1.0::float8, 2.0::float8), (2.0, 4.5)) v(x, y)) z;
-- a crafted online state, and the support functions called directly
SELECT q, regress.err(q) FROM (VALUES
    ($$SELECT cipred_internal.online_forecast_final(ARRAY[1, 1, 0.5, 0, 0, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0]::float8[])$$),
    ($$SELECT cipred_internal.online_sfunc(NULL, 1, ARRAY[1.0, 2.0], 'ewa')$$),
    ($$SELECT cipred_internal.combination_sfunc(NULL, 1, ARRAY[1.0, 2.0], 'convex')$$),
    ($$SELECT cipred_internal.combination_combine(NULL, NULL)$$),
    ($$SELECT cipred_internal.fingerprint_sfunc(NULL, 1)$$)
) t(q);

-- 2. overflow from finite inputs is an error naming what overflowed
SELECT q, regress.err(q) FROM (VALUES
    ($$SELECT cipred.linreg(y, ARRAY[1e308 * (g % 2)]) FROM (SELECT g, g::float8 AS y FROM generate_series(1, 20) g) x$$),
    ($$SELECT cipred.model_kind(cipred.fit(ts, 1e300 * y, 'ets')) FROM bi WHERE s = 'a'$$),
    ($$SELECT count(*) FROM cipred.forecast((SELECT cipred.fit(ts, 1e300 * y, 'ets') FROM bi WHERE s = 'a'), 3)$$),
    ($$SELECT cipred.wape(5e-324, 1.0) FROM generate_series(1, 3)$$),
    ($$SELECT cipred.combine((SELECT cipred.combination(y, ARRAY[y, 2 * y], 'ridge') FROM bi WHERE s = 'a'), ARRAY[1e308, 1e308])$$)
) t(q);

-- 3. outputs past the documented limits are refused up front (54000)
SELECT q, regress.err(q) FROM (VALUES
    ($$SELECT count(*) FROM cipred.folds('2000-01-01', '2019-01-01', '1 second', '1 second', initial => '1 second')$$),
    ($$SELECT count(*) FROM cipred.fold_positions(2147483647, 1, initial => 1)$$),
    ($$SELECT count(*) FROM cipred.resample('bi', 's', 'ts', 'y', '1 microsecond')$$)
) t(q);
DROP TABLE bi, m;
