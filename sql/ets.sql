-- ets: automatic exponential smoothing (state-space ETS) on the shared real
-- series against R's forecast::ets (test/data/r_ets.csv and
-- r_ets_forms.csv, made by test/reference/make_r_ets.R; r_reference.csv
-- from ../shared/data)
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET IntervalStyle = 'postgres';

CREATE TEMP TABLE series (series text, ts timestamptz, period int, value float8);
\copy series FROM 'test/data/series.csv' CSV HEADER
CREATE TEMP TABLE r_ref (series text, period int, h int, method text, smape float8, mase float8, fit_s float8);
\copy r_ref FROM 'test/data/r_reference.csv' CSV HEADER
CREATE TEMP TABLE r_ets (series text, form text, step int, actual float8, mean float8,
    lo80 float8, hi80 float8, lo95 float8, hi95 float8);
\copy r_ets FROM 'test/data/r_ets.csv' CSV HEADER
CREATE TEMP TABLE r_forms (series text, form text, n int, loglik float8, aicc float8, mse float8, sigma2 float8);
\copy r_forms FROM 'test/data/r_ets_forms.csv' CSV HEADER

CREATE TEMP TABLE spec AS
SELECT series, max(period) AS period, max(ts) AS last_ts,
       CASE max(period) WHEN 12 THEN 18 WHEN 4 THEN 8 ELSE 6 END AS h,
       CASE max(period) WHEN 12 THEN interval '1 month' WHEN 4 THEN interval '3 months'
            ELSE interval '1 year' END AS freq
FROM series WHERE period <= 24 GROUP BY series;
CREATE TEMP TABLE train AS
SELECT s.* FROM series s JOIN spec p USING (series) WHERE s.ts <= p.last_ts - p.freq * p.h;

-- one statement fits every series (automatic form by AICc) and forecasts
CREATE TEMP TABLE models AS
SELECT series, cipred.fit(ts, value, 'ets') AS model FROM train GROUP BY series;
CREATE TEMP TABLE fc AS
SELECT m.series, f.step, f.ts, a.value AS actual, f.forecast, f.lo, f.hi
FROM models m JOIN spec p USING (series)
CROSS JOIN LATERAL cipred.forecast(m.model, p.h) f
JOIN series a ON a.series = m.series AND a.ts = f.ts;

-- the forms chosen, next to R's (both by AICc; ours fit at least as well
-- as R's on average, see test/core/test_ets.c, so some choices differ)
SELECT m.series, cipred.model_info(m.model)->>'form' AS form, r.form AS r_form
FROM models m JOIN (SELECT DISTINCT series, form FROM r_ets) r USING (series) ORDER BY 1;

-- the issue's targets: mean MASE no worse than R's ets by more than 3%, and
-- 80% / 95% interval coverage over all holdout points within 5 points
SELECT count(DISTINCT o.series) AS series,
       round(avg(o.mase)::numeric, 4) AS cipred_mase, round(avg(r.mase)::numeric, 4) AS r_mase,
       avg(o.mase) <= 1.03 * avg(r.mase) AS within_3pct
FROM (SELECT f.series, cipred.mase(f.actual, f.forecast, sc.scale) AS mase
      FROM fc f JOIN (SELECT series, cipred.mase_scale(ts, value, period) AS scale
                      FROM train GROUP BY series) sc USING (series)
      GROUP BY f.series) o
JOIN r_ref r ON r.series = o.series AND r.method = 'ets';
SELECT count(*) AS points,
       round(100 * cipred.coverage(actual, lo[1], hi[1])) AS cover80,
       round(100 * cipred.coverage(actual, lo[2], hi[2])) AS cover95,
       abs(100 * cipred.coverage(actual, lo[1], hi[1]) - 80) <= 5 AS cover80_ok,
       abs(100 * cipred.coverage(actual, lo[2], hi[2]) - 95) <= 5 AS cover95_ok
FROM fc;
-- R's own intervals on the same points, for comparison
SELECT round(100 * cipred.coverage(actual, lo80, hi80)) AS r_cover80,
       round(100 * cipred.coverage(actual, lo95, hi95)) AS r_cover95
FROM r_ets;

-- where both choose the same form and reach the same likelihood (within
-- 0.5; R reports log L less n (log(2 pi / n) + 1) / 2), the forecasts agree
-- with R's to 2% (relative difference of the point forecasts; flat
-- likelihoods leave the parameters a little apart, JohnsonJohnson's alpha
-- is 0.125 here and 0.160 in R)
SELECT f.series, r.form, max(abs(f.forecast - r.mean) / abs(r.mean)) < 0.02 AS close_to_r
FROM fc f JOIN r_ets r ON r.series = f.series AND r.step = f.step
JOIN models m ON m.series = f.series
JOIN r_forms rf ON rf.series = f.series AND rf.form = r.form
WHERE cipred.model_info(m.model)->>'form' = r.form
  AND abs((cipred.model_info(m.model)->>'loglik')::float8 - 0.5 * rf.n * ln(rf.n) + 0.5 * rf.n * (ln(2 * pi()) + 1)
          - rf.loglik) < 0.5
GROUP BY f.series, r.form ORDER BY 1;

-- a given form; the model's fields; a lossless text round trip; fitted values
SELECT cipred.model_kind(m), i->>'form' AS form, (i->>'alpha')::float8 BETWEEN 1e-4 AND 0.9999 AS alpha_ok,
       jsonb_array_length(i->'seasonal') AS seasonal_states, (i->>'phi')::float8 AS phi,
       m::text::cipred.model::text = m::text AS round_trip,
       (i->>'aicc')::float8 > (i->>'aic')::float8 AS aicc_above_aic
FROM (SELECT m, cipred.model_info(m) AS i
      FROM (SELECT cipred.fit(ts, value, 'ets', '{"model": "MAM"}') AS m FROM train
            WHERE series = 'AirPassengers') x) y;
SELECT i->>'form' AS form, (i->>'phi')::float8 BETWEEN 0.8 AND 0.98 AS damped_phi, jsonb_array_length(i->'seasonal') AS states
FROM (SELECT cipred.model_info(cipred.fit(ts, value, 'ets', '{"model": "AAdN"}')) AS i FROM train WHERE series = 'Nile') x;
SELECT count(*) AS fitted_rows, count(fitted) AS with_value,
       round(avg(residual * residual)::numeric, 6) =
       round(((SELECT cipred.model_info(model) FROM models WHERE series = 'USAccDeaths')->>'sigma2')::numeric
             * (count(*) - 14) / count(*), 6) AS mse_matches_sigma2
FROM cipred.fitted((SELECT model FROM models WHERE series = 'USAccDeaths'));
-- forecasts are deterministic, also the simulated intervals of multiplicative seasons
SELECT (SELECT array_agg(hi[2] ORDER BY step) FROM cipred.forecast(m, 24)) =
       (SELECT array_agg(hi[2] ORDER BY step) FROM cipred.forecast(m, 24)) AS repeatable
FROM (SELECT cipred.fit(ts, value, 'ets', '{"model": "MAM"}') AS m FROM train WHERE series = 'UKgas') x;
-- long horizons: linear for additive errors (a damped trend too), simulated
-- beyond 10,000 steps for multiplicative errors
SELECT count(*) AS steps, bool_and(hi[2] > forecast AND lo[2] < forecast) AS intervals
FROM cipred.forecast((SELECT cipred.fit(ts, value, 'ets', '{"model": "AAdN"}') FROM train WHERE series = 'AirPassengers'), 1000000);
SELECT count(*) AS steps, bool_and(hi[2] > forecast AND lo[2] < forecast) AS intervals
FROM cipred.forecast((SELECT cipred.fit(ts, value, 'ets', '{"model": "MAN"}') FROM train WHERE series = 'lynx'), 20000);
-- the same fit in parallel-safe pieces: input order does not matter
SELECT (SELECT cipred.fit(ts, value, 'ets') FROM (SELECT * FROM train WHERE series = 'wineind' ORDER BY ts DESC) a)::text =
       (SELECT cipred.fit(ts, value, 'ets') FROM (SELECT * FROM train WHERE series = 'wineind' ORDER BY ts) b)::text AS order_free;

-- a damaged model is refused: an inadmissible alpha, a form that does not
-- match the states, a negative seasonal factor
SELECT regress.err(format($$SELECT %L::cipred.model$$, jsonb_set(m::text::jsonb, '{alpha}', '1.5')::text)),
       regress.err(format($$SELECT %L::cipred.model$$, jsonb_set(m::text::jsonb, '{form}', '"MAN"')::text)),
       regress.err(format($$SELECT %L::cipred.model$$, jsonb_set(m::text::jsonb, '{seasonal,0}', '-1')::text))
FROM (SELECT cipred.fit(ts, value, 'ets', '{"model": "MAM"}') AS m FROM train WHERE series = 'AirPassengers') x;

-- bad input
SELECT q, regress.err(q) FROM (VALUES
  ($$SELECT cipred.fit(ts, value, 'ets', '{"model": "ANM"}') FROM train WHERE series = 'UKgas'$$),
  ($$SELECT cipred.fit(ts, value, 'ets', '{"model": "AMN"}') FROM train WHERE series = 'UKgas'$$),
  ($$SELECT cipred.fit(ts, value, 'ets', '{"model": 3}') FROM train WHERE series = 'UKgas'$$),
  ($$SELECT cipred.fit(ts, value, 'ets', '{"periods": [4]}') FROM train WHERE series = 'UKgas'$$),
  ($$SELECT cipred.fit(ts, value, 'ets', '{"model": "MAM"}') FROM (SELECT ts, value - 1000 AS value FROM train WHERE series = 'UKgas') x$$),
  ($$SELECT cipred.fit(ts, value, 'ets', '{"model": "AAA"}') FROM train WHERE series = 'Nile'$$),
  ($$SELECT cipred.fit(ts, value, 'ets', '{"model": "ANA", "period": 48}') FROM train WHERE series = 'co2'$$),
  ($$SELECT cipred.fit(ts, value, 'ets', '{"model": "MAM"}') FROM train WHERE series = 'UKgas' AND ts < '1963-01-01'$$),
  ($$SELECT cipred.fit(ts, value, 'ets') FROM train WHERE series = 'Nile' AND ts < '1876-01-01'$$),
  ($$SELECT cipred.fit(ts, 7.5, 'ets') FROM train WHERE series = 'Nile'$$),
  ($$SELECT cipred.fit(ts, 'NaN', 'ets') FROM train WHERE series = 'Nile'$$),
  ($$SELECT * FROM cipred.forecast((SELECT model FROM models WHERE series = 'UKgas'), 0)$$),
  ($$SELECT count(*) FROM cipred.forecast((SELECT model FROM models WHERE series = 'Nile'), 1000000)$$)
) t(q);

-- full message for one
\set VERBOSITY default
SELECT cipred.fit(ts, value, 'ets', '{"model": "MAM"}') FROM (SELECT ts, value - 1000 AS value FROM train WHERE series = 'UKgas') x;
