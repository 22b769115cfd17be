-- linreg: linear regression against R's lm() and scikit-learn's Ridge on the
-- shared seatbelts data and an ill-conditioned synthetic set (reference
-- values made by test/reference/make_r_lm.R and make_sklearn_ridge.py)
SET extra_float_digits = 0;
SET client_min_messages = notice;

-- relative difference
CREATE FUNCTION pg_temp.rel(a float8, b float8) RETURNS float8 LANGUAGE sql AS
$$ SELECT abs(a - b) / greatest(abs(b), 1e-300) $$;

CREATE TEMP TABLE sb (ts date, DriversKilled float8, drivers float8, front float8,
    rear float8, kms float8, PetrolPrice float8, VanKilled float8, law float8);
\copy sb FROM 'test/data/seatbelts.csv' CSV HEADER
CREATE TEMP VIEW sbx AS
SELECT ts, DriversKilled AS y, kms / (SELECT avg(kms) FROM sb) AS w,
       ARRAY[kms, PetrolPrice, law] || ARRAY(SELECT (extract(month FROM ts) = m)::int::float8
                                             FROM generate_series(2, 12) m) AS x,
       ARRAY[kms, PetrolPrice, law, 2 * law] || ARRAY(SELECT (extract(month FROM ts) = m)::int::float8
                                                      FROM generate_series(2, 12) m) AS x_alias
FROM sb;
CREATE TEMP TABLE syn (y float8, x1 float8, x2 float8, x3 float8);
\copy syn FROM 'test/data/lm_synthetic.csv' CSV HEADER
CREATE TEMP TABLE ill (y float8, x1 float8, x2 float8, x3 float8);
\copy ill FROM 'test/data/lm_synthetic_ill.csv' CSV HEADER
CREATE TEMP TABLE severe (y float8, x1 float8, x2 float8, x3 float8);
\copy severe FROM 'test/data/lm_synthetic_severe.csv' CSV HEADER

CREATE TEMP TABLE r_coef (model text, term text, estimate float8, std_error float8,
    t_value float8, p_value float8);
\copy r_coef FROM 'test/data/r_lm_coef.csv' CSV HEADER
CREATE TEMP TABLE r_stats (model text, stat text, value float8);
\copy r_stats FROM 'test/data/r_lm_stats.csv' CSV HEADER
CREATE TEMP TABLE r_pred (model text, row int, fit float8, lwr float8, upr float8, kind text);
\copy r_pred FROM 'test/data/r_lm_predict.csv' CSV HEADER
CREATE TEMP TABLE sk_ridge (model text, lambda float8, term text, estimate float8);
\copy sk_ridge FROM 'test/data/sklearn_ridge.csv' CSV HEADER

-- the fits
CREATE TEMP TABLE fits (model text, m cipred.model);
INSERT INTO fits
SELECT 'seatbelts', cipred.linreg(y, x, '{kms,PetrolPrice,law,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12}') FROM sbx
UNION ALL
SELECT 'seatbelts_weighted', cipred.linreg(y, x, '{kms,PetrolPrice,law,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12}', NULL, w) FROM sbx
UNION ALL
SELECT 'seatbelts_noint', cipred.linreg(y, x, '{kms,PetrolPrice,law,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12}', '{"intercept": false}') FROM sbx
UNION ALL
-- x2 = x1 + tiny noise around a mean of 1e6: lm() drops x2 (tolerance 1e-7)
SELECT 'synthetic', cipred.linreg(y, ARRAY[x1, x2, x3], '{x1,x2,x3}') FROM syn
UNION ALL
-- ill-conditioned (standardised X: condition number 2.2e3) with a large mean
SELECT 'synthetic_ill', cipred.linreg(y, ARRAY[x1, x2, x3], '{x1,x2,x3}') FROM ill;
-- severely ill-conditioned (2.1e4): beyond what double-precision sufficient
-- statistics can carry to 1e-8 (their error grows as the square of the
-- condition number); checked separately below with the bound it does meet
CREATE TEMP TABLE severe_fit AS
SELECT cipred.linreg(y, ARRAY[x1, x2, x3], '{x1,x2,x3}') AS m FROM severe;
-- collinear: law_copy = 2 law is dropped, as NA in R
INSERT INTO fits
SELECT 'seatbelts_alias', cipred.linreg(y, x_alias, '{kms,PetrolPrice,law,law_copy,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12}') FROM sbx;

SELECT model, cipred.model_kind(m), cipred.model_info(m)->>'solver' AS solver,
       cipred.model_info(m)->'rank' AS rank, cipred.model_info(m)->'n' AS n
FROM fits ORDER BY model;

-- coefficients, standard errors, t values: relative difference to lm() <= 1e-8;
-- p-values <= 1e-8
SELECT r.model, count(*) AS terms,
       bool_and(c.estimate IS NULL AND r.estimate IS NULL OR pg_temp.rel(c.estimate, r.estimate) <= 1e-8) AS estimate_ok,
       bool_and(c.std_error IS NULL AND r.std_error IS NULL OR pg_temp.rel(c.std_error, r.std_error) <= 1e-8) AS se_ok,
       bool_and(c.t_value IS NULL AND r.t_value IS NULL OR pg_temp.rel(c.t_value, r.t_value) <= 1e-8) AS t_ok,
       bool_and(c.p_value IS NULL AND r.p_value IS NULL OR pg_temp.rel(c.p_value, r.p_value) <= 1e-8) AS p_ok
FROM r_coef r
JOIN fits f USING (model)
LEFT JOIN LATERAL cipred.coefficients(f.m) c ON c.term = r.term
GROUP BY r.model ORDER BY r.model;
-- the severe case: coefficients within 1e-6 of lm()'s QR solution
SELECT count(*) AS terms,
       bool_and(pg_temp.rel(c.estimate, r.estimate) <= 1e-6) AS within_1e6
FROM r_coef r, severe_fit f, cipred.coefficients(f.m) c
WHERE r.model = 'synthetic_severe' AND c.term = r.term;

-- R^2, adjusted R^2, sigma, residual df, log-likelihood, AIC, BIC, RSS
SELECT s.model, count(*) AS stats,
       bool_and(pg_temp.rel((cipred.model_info(f.m)->>s.stat)::float8, s.value) <= 1e-8) AS all_ok,
       string_agg(s.stat, ',' ORDER BY s.stat) FILTER (
           WHERE pg_temp.rel((cipred.model_info(f.m)->>s.stat)::float8, s.value) > 1e-8) AS off
FROM r_stats s JOIN fits f USING (model)
GROUP BY s.model ORDER BY s.model;

-- prediction and confidence intervals (95%) for three rows, against predict.lm
WITH newx AS (
    SELECT 'seatbelts' AS model, row_number() OVER (ORDER BY ts) AS row, x FROM sbx
    WHERE ts IN ('1969-01-01', '1977-04-01', '1984-12-01')
    UNION ALL
    SELECT m, row_number() OVER (ORDER BY ts), x FROM sbx, unnest('{seatbelts_weighted,seatbelts_noint}'::text[]) m
    WHERE ts IN ('1969-01-01', '1977-04-01', '1984-12-01')
    UNION ALL
    SELECT 'synthetic', r, ARRAY[x1, x2, x3] FROM (SELECT *, row_number() OVER () AS r FROM syn) s
    WHERE r IN (1, 50, 200)
    UNION ALL
    SELECT 'synthetic_ill', r, ARRAY[x1, x2, x3] FROM (SELECT *, row_number() OVER () AS r FROM ill) s
    WHERE r IN (1, 50, 200))
SELECT p.model, p.kind, count(*) AS rows,
       bool_and(pg_temp.rel(i.fit, p.fit) <= 1e-8 AND pg_temp.rel(i.lo, p.lwr) <= 1e-8
                AND pg_temp.rel(i.hi, p.upr) <= 1e-8) AS same_as_r
FROM r_pred p
JOIN (SELECT model, row, x, row_number() OVER (PARTITION BY model ORDER BY row) AS r FROM newx) n
  ON n.model = p.model AND n.r = p.row
JOIN fits f ON f.model = p.model
CROSS JOIN LATERAL cipred.predict_interval(f.m, n.x, 95, p.kind) i
GROUP BY p.model, p.kind ORDER BY p.model, p.kind;
-- the weighted model's prediction interval in R uses weight 1 for the new
-- observation, as cipred does

-- ridge against scikit-learn's Ridge (lambda 0.5 and 50, unweighted and weighted)
SELECT k.model, k.lambda, count(*) AS terms,
       bool_and(pg_temp.rel(c.estimate, k.estimate) <= 1e-8) AS same_as_sklearn
FROM sk_ridge k
JOIN LATERAL (
    SELECT CASE WHEN k.model = 'ridge' THEN
                cipred.linreg(y, x, '{kms,PetrolPrice,law,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12}',
                              jsonb_build_object('lambda', k.lambda))
           ELSE cipred.linreg(y, x, '{kms,PetrolPrice,law,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12}',
                              jsonb_build_object('lambda', k.lambda), w) END AS m
    FROM sbx) f ON true
JOIN LATERAL cipred.coefficients(f.m) c ON c.term = k.term
WHERE k.model LIKE 'ridge%'
GROUP BY k.model, k.lambda ORDER BY k.model, k.lambda;

-- elastic net and lasso against scikit-learn's ElasticNet and Lasso
-- (coordinate descent on the Gram matrix; within 1e-6, zeros exactly zero)
SELECT k.model, count(*) AS terms,
       count(*) FILTER (WHERE k.estimate = 0) AS zeros,
       bool_and(CASE WHEN k.estimate = 0 THEN c.estimate = 0
                     ELSE pg_temp.rel(c.estimate, k.estimate) <= 1e-6 END) AS same_as_sklearn
FROM sk_ridge k
JOIN LATERAL (
    SELECT cipred.linreg(y, x, '{kms,PetrolPrice,law,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12}',
               CASE WHEN k.model LIKE 'lasso%' THEN jsonb_build_object('method', 'lasso', 'alpha', k.lambda)
                    ELSE jsonb_build_object('method', 'elasticnet', 'alpha', k.lambda,
                                            'l1_ratio', split_part(split_part(k.model, '_', 2), '_', 1)::float8) END,
               CASE WHEN k.model LIKE '%weighted' THEN w ELSE 1 END) AS m
    FROM sbx) f ON true
JOIN LATERAL cipred.coefficients(f.m) c ON c.term = k.term
WHERE k.model LIKE 'enet%' OR k.model LIKE 'lasso%'
GROUP BY k.model ORDER BY k.model;

-- the path: 20 alphas from alpha_max (all zero) down to alpha; its last point
-- is the model itself
CREATE TEMP TABLE enet AS
SELECT cipred.linreg(y, x, '{kms,PetrolPrice,law,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12}',
                     '{"method": "elasticnet", "alpha": 0.5, "l1_ratio": 0.5, "path": 20}') AS m
FROM sbx;
SELECT count(DISTINCT step) AS steps,
       bool_and(coef = 0) FILTER (WHERE step = 1) AS first_all_zero,
       bool_and(abs(coef - (cipred.model_info(m)->'coef'->>(array_position(cipred.feature_names(m), term) - 1))::float8)
                <= 1e-12 * greatest(1, abs(coef))) FILTER (WHERE step = 20) AS last_is_model,
       min(alpha) = 0.5 AS ends_at_alpha
FROM enet, cipred.model_path(m);
SELECT cipred.model_info(m)->>'method' AS method, cipred.model_info(m)->'converged' AS converged,
       m::text::cipred.model::text = m::text AS text_round_trip,
       (SELECT count(*) FROM cipred.coefficients(m) WHERE std_error IS NULL) AS terms_without_se
FROM enet;
-- standardize: the penalty on unit-variance features; the same as fitting
-- features divided by their (weighted, population) sd without it
WITH sd AS (SELECT stddev_pop(x[1]) AS s1, stddev_pop(x[2]) AS s2 FROM sbx),
     a AS (SELECT cipred.linreg(y, x[1:2], NULL, '{"method": "lasso", "alpha": 1, "standardize": true}') AS m FROM sbx),
     b AS (SELECT cipred.linreg(y, ARRAY[x[1] / s1, x[2] / s2], NULL, '{"method": "lasso", "alpha": 1}') AS m FROM sbx, sd)
SELECT pg_temp.rel((cipred.model_info(a.m)->'coef'->>0)::float8 * s1, (cipred.model_info(b.m)->'coef'->>0)::float8) < 1e-9 AS standardize_ok
FROM a, b, sd;

-- the coefficient table
SELECT term, round(estimate::numeric, 6) AS estimate, round(std_error::numeric, 6) AS std_error,
       round(t_value::numeric, 3) AS t_value, p_value < 0.05 AS significant
FROM fits, cipred.coefficients(m) WHERE model = 'seatbelts_alias' ORDER BY 1;

-- predict = intercept + coef . x, by position and by name (extra names ignored)
SELECT bool_and(abs(cipred.predict(f.m, x) - (i.fit)) < 1e-9) AS predict_ok,
       bool_and(abs(cipred.predict(f.m, ARRAY[1.5] || x, ARRAY['extra'] || cipred.feature_names(f.m))
                    - cipred.predict(f.m, x)) < 1e-9) AS by_name_ok
FROM sbx, fits f, LATERAL cipred.predict_interval(f.m, x) i WHERE f.model = 'seatbelts';
SELECT cipred.predict(m, '{10000,0.1,1,0,0,0,0,0,0,0,0,0,0,NULL}') IS NULL AS null_element_gives_null
FROM fits WHERE model = 'seatbelts';
-- names in another order give the same prediction
SELECT abs(cipred.predict(m, ARRAY[3.0, 2.0, 1.0], '{x3,x2,x1}') - cipred.predict(m, ARRAY[1.0, 2.0, 3.0])) < 1e-9 AS reorder_ok
FROM fits WHERE model = 'synthetic';

-- text round trip is lossless, binary round trip too (COPY BINARY)
SELECT model, m::text::cipred.model::text = m::text AS text_round_trip FROM fits ORDER BY model;
\copy (SELECT model, m FROM fits ORDER BY model) TO 'results/linreg_models.bin' WITH (FORMAT binary)
CREATE TEMP TABLE fits2 (model text, m cipred.model);
\copy fits2 FROM 'results/linreg_models.bin' WITH (FORMAT binary)
SELECT f.model, f.m::text = g.m::text AS binary_round_trip FROM fits f JOIN fits2 g USING (model) ORDER BY 1;

-- grouped: one model per group; a one-feature fit equals PostgreSQL's own
-- regr_slope / regr_intercept / regr_r2 in every group
SELECT x[3] AS law, count(*) AS n,
       pg_temp.rel((cipred.model_info(cipred.linreg(y, x[1:1]))->'coef'->>0)::float8, regr_slope(y, x[1])) < 1e-9 AS slope_ok,
       pg_temp.rel((cipred.model_info(cipred.linreg(y, x[1:1]))->>'intercept_coef')::float8, regr_intercept(y, x[1])) < 1e-9 AS intercept_ok,
       pg_temp.rel((cipred.model_info(cipred.linreg(y, x[1:1]))->>'r2')::float8, regr_r2(y, x[1])) < 1e-9 AS r2_ok
FROM sbx GROUP BY x[3] ORDER BY 1;

-- thousands of groups: 3000 series of 12 rows, one model each
SELECT count(*) AS groups,
       bool_and(pg_temp.rel((cipred.model_info(m)->'coef'->>0)::float8, slope) < 1e-9) AS every_slope_ok
FROM (SELECT g, cipred.linreg(y, ARRAY[x]) AS m, regr_slope(y, x) AS slope
      FROM (SELECT i % 3000 AS g, i::float8 AS x, ((i * 7919) % 101)::float8 AS y
            FROM generate_series(1, 36000) i) d
      GROUP BY g) f;

-- moving window: each 36-month refit equals a fit on that window alone
SELECT bool_and(pg_temp.rel((cipred.model_info(w.m)->'coef'->>0)::float8,
                            (cipred.model_info(r.m)->'coef'->>0)::float8) <= 1e-7
            AND pg_temp.rel((cipred.model_info(w.m)->>'intercept_coef')::float8,
                            (cipred.model_info(r.m)->>'intercept_coef')::float8) <= 1e-7) AS window_ok,
       count(*) AS windows
FROM (SELECT ts, cipred.linreg(y, ARRAY[kms, PetrolPrice]) OVER (ORDER BY ts ROWS BETWEEN 35 PRECEDING AND CURRENT ROW) AS m
      FROM sbx, LATERAL (SELECT x[1] AS kms, x[2] AS PetrolPrice) f) w
JOIN LATERAL (SELECT cipred.linreg(y, ARRAY[x[1], x[2]]) AS m FROM sbx s
              WHERE s.ts > w.ts - interval '36 months' AND s.ts <= w.ts) r ON true
WHERE w.ts >= '1972-01-01';

-- a huge value leaving a moving window does not leave its rounding behind:
-- the inverse declines and PostgreSQL recomputes that frame
SELECT bool_and(pg_temp.rel((cipred.model_info(w.m)->'coef'->>0)::float8,
                            (cipred.model_info(r.m)->'coef'->>0)::float8) <= 1e-9) AS huge_value_left_ok,
       count(*) AS windows
FROM (SELECT g, cipred.linreg(y, ARRAY[x]) OVER (ORDER BY g ROWS 5 PRECEDING) AS m
      FROM (SELECT g, CASE WHEN g = 1 THEN 1e9 ELSE (g % 7)::float8 END AS x, 3.0 * (g % 7) + (g % 3) AS y
            FROM generate_series(1, 60) g) d) w
JOIN LATERAL (SELECT cipred.linreg(3.0 * (g % 7) + (g % 3), ARRAY[(g % 7)::float8]) AS m
              FROM generate_series(w.g - 5, w.g) g) r ON true
WHERE w.g >= 7;

-- bad input: documented behaviours
-- rows with a NULL y or a NULL element are skipped and counted
SELECT cipred.model_info(cipred.linreg(y, x))->'rows_skipped' AS skipped,
       cipred.model_info(cipred.linreg(y, x))->'n' AS n
FROM (VALUES (1.0, ARRAY[1.0]), (2, ARRAY[2.0]), (NULL, ARRAY[3.0]), (4, ARRAY[NULL::float8]),
             (5, NULL), (3, ARRAY[3.5])) v(y, x);
-- empty arrays: the intercept-only model, whose intercept is the mean
SELECT (cipred.model_info(cipred.linreg(y, '{}'))->>'intercept_coef')::float8 = avg(y) AS mean_model
FROM (VALUES (1.0), (2), (6)) v(y);
-- empty input gives NULL
SELECT cipred.linreg(y, x) IS NULL AS empty_null FROM sbx WHERE false;
-- more features than rows: the extra ones are dropped, as in lm()
SELECT cipred.model_info(m)->'aliased' AS aliased, cipred.model_info(m)->'warnings' AS warnings
FROM (SELECT cipred.linreg(y, x) AS m FROM (VALUES (1.0, ARRAY[1.0, 5, 2]), (2, ARRAY[2.0, 1, 7])) v(y, x)) f;
-- a constant column is dropped
SELECT cipred.model_info(m)->'aliased' AS aliased, cipred.model_info(m)->'coef'->>0 AS slope
FROM (SELECT cipred.linreg(y, ARRAY[x, 7.0]) AS m
      FROM (VALUES (1.0, 1.0), (2, 2), (3.5, 3)) v(y, x)) f;

SELECT q, regress.err(q) FROM (VALUES
  ($$SELECT cipred.linreg(y, x) FROM (VALUES (1.0, ARRAY[1.0, 2]), (2, ARRAY[1.0])) v(y, x)$$),
  ($$SELECT cipred.linreg(y, x) FROM (VALUES ('NaN'::float8, ARRAY[1.0])) v(y, x)$$),
  ($$SELECT cipred.linreg(y, x) FROM (VALUES (1.0, ARRAY['Infinity'::float8])) v(y, x)$$),
  ($$SELECT cipred.linreg(1.0, array_fill(1.0::float8, ARRAY[10000]))$$),
  ($$SELECT cipred.linreg(y, ARRAY[x]) FROM (VALUES (1e300, 1.0), (2e300, 3.0), (1e300, 5.0)) v(y, x)$$),
  ($$SELECT cipred.linreg(y, ARRAY[ARRAY[1.0, 2.0]]) FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], '{a,b}') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0, 2.0], '{a,a}') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], ARRAY[NULL]::text[]) FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, '{"lamda": 1}') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, '{"lambda": -1}') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, '{"intercept": 1}') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, '[1]') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, NULL, -1) FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], n) FROM (VALUES (1.0, '{a}'::text[]), (2.0, '{b}')) v(y, n)$$),
  ($$SELECT cipred.predict(m, ARRAY[1.0]) FROM fits WHERE model = 'seatbelts'$$),
  ($$SELECT cipred.predict(m, ARRAY[1.0, 2, 3], '{x1,x2,nope}') FROM fits WHERE model = 'synthetic'$$),
  ($$SELECT cipred.predict(m, ARRAY[1.0, 2, 'NaN'], '{x1,x2,x3}') FROM fits WHERE model = 'synthetic'$$),
  ($$SELECT cipred.predict_interval(m, ARRAY[1.0, 2, 3], 0.95) FROM fits WHERE model = 'synthetic'$$),
  ($$SELECT cipred.predict_interval(m, ARRAY[1.0, 2, 3], 95, 'both') FROM fits WHERE model = 'synthetic'$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, '{"method": "elasticnet"}') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, '{"method": "elasticnet", "alpha": 1, "lambda": 1}') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, '{"alpha": 1, "l1_ratio": 2}') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, '{"method": "ols", "alpha": 1}') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, '{"method": "ridge"}') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, '{"method": "magic"}') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, '{"method": "lasso", "alpha": 1, "path": 0}') FROM (VALUES (1.0)) v(y)$$),
  ($$SELECT cipred.predict_interval(m, ARRAY[1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]) FROM enet$$),
  ($$SELECT * FROM cipred.model_path(m) FROM fits WHERE model = 'synthetic'$$),
  ($$SELECT cipred.model_path(m) FROM fits WHERE model = 'synthetic'$$),
  ($$SELECT jsonb_set(m::text::jsonb, '{path_alpha}', '[1, 2]')::text::cipred.model FROM enet$$)
) t(q);

-- damaged or tampered text is refused
SELECT q, regress.err(q) FROM (VALUES
  ($$SELECT 'not json'::cipred.model$$),
  ($$SELECT '[1, 2]'::cipred.model$$),
  ($$SELECT '{"kind": "linreg"}'::cipred.model$$),
  ($$SELECT '{"cipred_model": 2, "kind": "linreg"}'::cipred.model$$),
  ($$SELECT '{"cipred_model": 1, "kind": "voodoo"}'::cipred.model$$),
  ($$SELECT '{"cipred_model": 1, "kind": "linreg"}'::cipred.model$$),
  ($$SELECT jsonb_set(m::text::jsonb, '{pickle}', '"x"')::text::cipred.model FROM fits WHERE model = 'synthetic'$$),
  ($$SELECT replace(m::text, '"coef": [', '"coef": [1, ')::cipred.model FROM fits WHERE model = 'synthetic'$$),
  ($$SELECT replace(m::text, '"coef": [', '"coef": ["abc", ')::cipred.model FROM fits WHERE model = 'synthetic'$$),
  ($$SELECT replace(m::text, '"intercept": true', '"intercept": "yes"')::cipred.model FROM fits WHERE model = 'synthetic'$$),
  ($$SELECT replace(m::text, '"method": "ols"', '"method": "magic"')::cipred.model FROM fits WHERE model = 'synthetic'$$),
  ($$SELECT replace(m::text, '"x2"', '"x1"')::cipred.model FROM fits WHERE model = 'synthetic'$$),
  ($$SELECT regexp_replace(m::text, '"coef": \[[^,]*', '"coef": ["NaN"')::cipred.model FROM fits WHERE model = 'synthetic'$$)
) t(q);
-- a model can be edited as JSON and cast back
SELECT round(cipred.predict(jsonb_set(m::text::jsonb, '{intercept_coef}', '1000')::text::cipred.model,
                            ARRAY[0.0, 0, 0])::numeric, 6) AS edited_intercept
FROM fits WHERE model = 'synthetic';

-- full messages for a few
SELECT cipred.linreg(y, x) FROM (VALUES (1.0, ARRAY[1.0, 2]), (2, ARRAY[1.0])) v(y, x);
SELECT cipred.linreg(1.0, array_fill(1.0::float8, ARRAY[10000]));
SELECT cipred.predict(m, ARRAY[1.0, 2, 3], '{x1,x2,nope}') FROM fits WHERE model = 'synthetic';
SELECT '{"cipred_model": 1, "kind": "linreg", "features": ["a"]}'::cipred.model;

-- linreg_drop: a least-squares model without some features, from its own
-- statistics, equals the refit on the same rows (every number field, to
-- 1e-9 relative; condition_number is the full model's, an upper bound)
WITH full_m AS (SELECT cipred.linreg(drivers, ARRAY[kms, PetrolPrice, law::float8], '{kms,petrol,law}') AS m FROM sb),
red AS (SELECT cipred.linreg(drivers, ARRAY[law::float8], '{law}') AS m FROM sb),
t AS (SELECT cipred.linreg_drop(full_m.m, '{petrol,kms}') AS dm, red.m AS rm FROM full_m, red)
SELECT cipred.feature_names(t.dm) AS features,
       (SELECT bool_and(abs(a.v::text::float8 - b.v::text::float8) <= 1e-9 * greatest(1, abs(b.v::text::float8)))
          FROM jsonb_each(t.dm::text::jsonb) a(k, v) JOIN jsonb_each(t.rm::text::jsonb) b(k, v) USING (k)
         WHERE jsonb_typeof(a.v) = 'number' AND a.k <> 'condition_number') AS scalars_equal,
       (SELECT bool_and(abs(x::float8 - y::float8) <= 1e-9 * greatest(1, abs(y::float8)))
          FROM jsonb_array_elements_text(t.dm::text::jsonb->'cov') WITH ORDINALITY p(x, i)
          JOIN jsonb_array_elements_text(t.rm::text::jsonb->'cov') WITH ORDINALITY q(y, i) USING (i)) AS cov_equal,
       (cipred.model_info(t.dm)->>'condition_number')::float8 >= (cipred.model_info(t.rm)->>'condition_number')::float8 AS cond_bound
FROM t;
-- an aliased (constant) feature drops as it is; predictions by name still work
SELECT cipred.feature_names(d) AS features, (cipred.model_info(d)->'coef'->0) = (cipred.model_info(full_m)->'coef'->0) AS unchanged,
       round(cipred.predict(d, ARRAY[1.0, 2.0], '{x,c}')::numeric, 6) = round(cipred.predict(full_m, ARRAY[1.0, 2.0], '{x,c}')::numeric, 6) AS same_prediction
FROM (SELECT m AS full_m, cipred.linreg_drop(m, '{c}') AS d
      FROM (SELECT cipred.linreg(y, ARRAY[x, 5.0], '{x,c}') AS m FROM generate_series(1, 20) x, LATERAL (SELECT 2 * x + sin(x) AS y) v) z) w;
SELECT q, regress.err(q) FROM (VALUES
    ($$SELECT cipred.linreg_drop(cipred.linreg(drivers, ARRAY[kms, law::float8], '{kms,law}', '{"lambda": 1}'), '{kms}') FROM sb$$),
    ($$SELECT cipred.linreg_drop(cipred.linreg(drivers, ARRAY[kms, law::float8], '{kms,law}'), '{petrol}') FROM sb$$),
    ($$SELECT cipred.linreg_drop((SELECT cipred.fit(t, 1.0, 'naive') FROM generate_series('2024-01-01'::timestamptz, '2024-01-05', '1 day') t), '{x}')$$),
    -- a feature whose collinear partner was left out, and a saturated fit: refit instead
    ($$SELECT cipred.linreg_drop(cipred.linreg(y, ARRAY[x, sin(x), 2 * x], '{x,z,x2}'), '{x}') FROM generate_series(1, 30) x, LATERAL (SELECT x + cos(x) AS y) v$$),
    ($$SELECT cipred.linreg_drop(cipred.linreg(y, ARRAY[x, z], '{x,z}'), '{z}') FROM (VALUES (1.0, 1.0, 0.0), (3.0, 2.0, 1.0), (2.0, 3.0, 5.0)) v(y, x, z)$$)
) t(q);

-- linreg_droppable: what linreg_drop can take without refitting
SELECT cipred.linreg_droppable(cipred.linreg(drivers, ARRAY[kms, law::float8], '{kms,law}')) AS ols,
       cipred.linreg_droppable(cipred.linreg(drivers, ARRAY[kms, law::float8], '{kms,law}', '{"lambda": 1}')) AS ridge
  FROM sb;
SELECT cipred.linreg_droppable(cipred.linreg(y, ARRAY[x, sin(x), 2 * x], '{x,z,x2}')) AS collinear_left_out
  FROM generate_series(1, 30) x, LATERAL (SELECT x + cos(x) AS y) v;
SELECT cipred.linreg_droppable(cipred.linreg(y, ARRAY[x, z], '{x,z}')) AS exact_fit
  FROM (VALUES (1.0, 1.0, 0.0), (3.0, 2.0, 1.0), (2.0, 3.0, 5.0)) v(y, x, z);
SELECT cipred.linreg_droppable((SELECT cipred.fit(t, 1.0, 'naive') FROM generate_series('2024-01-01'::timestamptz, '2024-01-05', '1 day') t)) AS baseline;
-- feature_names of a model without features names the kind
SELECT regress.err($$SELECT cipred.feature_names((SELECT cipred.fit(t, 1.0, 'naive') FROM generate_series('2024-01-01'::timestamptz, '2024-01-05', '1 day') t))$$) AS time_series_model;
