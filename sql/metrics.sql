-- metrics: forecast-accuracy aggregates
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';

CREATE TEMP TABLE fc (id int, a float8, f float8, lo float8, hi float8);
-- errors a - f: -1, 0, 0.5, -2; the NULL rows are skipped
INSERT INTO fc VALUES (1, 1, 2, 1.5, 2.5), (2, 3, 3, 2, 4), (3, 5, 4.5, 4, 6),
    (4, 4, 6, 5, 7), (5, NULL, 1, 0, 2), (6, 2, NULL, 0, 2);

SELECT round(cipred.mae(a, f)::numeric, 12) AS mae,            -- 3.5/4
       round(cipred.mse(a, f)::numeric, 12) AS mse,            -- 5.25/4
       round(cipred.rmse(a, f)::numeric, 12) AS rmse,
       round(cipred.mape(a, f)::numeric, 12) AS mape,          -- 100*(1+0+.1+.5)/4
       round(cipred.smape(a, f)::numeric, 12) AS smape,
       round(cipred.wape(a, f)::numeric, 12) AS wape,          -- 100*3.5/13
       round(cipred.bias(a, f)::numeric, 12) AS bias           -- -2.5/4
FROM fc;

SELECT round(cipred.mase(a, f, 2)::numeric, 12) AS mase,       -- 3.5/4/2
       round(cipred.rmsse(a, f, 2)::numeric, 12) AS rmsse,     -- sqrt(5.25/4/2)
       round(cipred.pinball(a, f, 0.9)::numeric, 12) AS pinball,
       cipred.coverage(a, lo, hi) AS coverage,                 -- rows 2, 3 and 6 inside (f is not used)
       round(cipred.winkler(a, lo, hi, 80)::numeric, 12) AS winkler
FROM fc;

-- empty input and all-NULL input give NULL
SELECT cipred.mae(a, f) IS NULL AS empty_null, cipred.winkler(a, lo, hi, 95) IS NULL AS empty_null2
FROM fc WHERE false;
SELECT cipred.rmse(a, f) IS NULL AS all_null FROM fc WHERE a IS NULL;

-- integer and numeric columns work through the implicit casts
SELECT cipred.mae(x, y) FROM (VALUES (1, 2::numeric), (4, 4)) v(x, y);

-- smape: a zero forecast of a zero actual counts as a perfect forecast
SELECT cipred.smape(a, f) FROM (VALUES (0, 0), (1, 1)) v(a, f);

-- grouped
SELECT id % 2 AS g, cipred.mae(a, f), cipred.bias(a, f) FROM fc GROUP BY 1 ORDER BY 1;

-- moving window: the inverse transition gives the same as recomputing
CREATE TEMP TABLE series AS
SELECT i, sin(i / 3.0) * 10 + 50 AS a, sin(i / 3.0) * 10 + 50 + cos(i) AS f
FROM generate_series(1, 200) i;
SELECT bool_and(abs(w.m - r.m) < 1e-9) AS mae_window_ok,
       bool_and(abs(w.r - r.r) < 1e-9) AS rmse_window_ok,
       bool_and(abs(w.b - r.b) < 1e-9) AS bias_window_ok
FROM (SELECT i,
        cipred.mae(a, f) OVER (ORDER BY i ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS m,
        cipred.rmse(a, f) OVER (ORDER BY i ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS r,
        cipred.bias(a, f) OVER (ORDER BY i ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS b
      FROM series) w
JOIN LATERAL (SELECT cipred.mae(a, f) AS m, cipred.rmse(a, f) AS r, cipred.bias(a, f) AS b
              FROM series s WHERE s.i BETWEEN w.i - 9 AND w.i) r ON true;

-- moving windows stay exact when huge and tiny errors mix: removing a huge
-- error would leave its rounding behind, so the frame is recomputed instead
CREATE TEMP TABLE mixed AS
SELECT i, 0.0::float8 AS a,
       CASE WHEN i % 50 = 0 THEN 1e12 ELSE 1e-3 * (1 + i % 7) END AS f
FROM generate_series(1, 2000) i;
SELECT bool_and(abs(w.m - r.m) <= 1e-9 * r.m) AS mse_window_exact,
       bool_and(abs(w.b - r.b) <= 1e-9 * abs(r.b)) AS bias_window_exact
FROM (SELECT i, cipred.mse(a, f) OVER (ORDER BY i ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS m,
             cipred.bias(a, f) OVER (ORDER BY i ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS b
      FROM mixed) w
JOIN LATERAL (SELECT avg((a - f) ^ 2) AS m, avg(a - f) AS b FROM mixed s
              WHERE s.i BETWEEN w.i - 9 AND w.i) r ON true;

-- seasonal scales: input order does not matter
CREATE TEMP TABLE train (ts timestamptz, y float8);
INSERT INTO train VALUES ('2000-01-01', 1), ('2000-02-01', 2), ('2000-03-01', 4),
    ('2000-04-01', 7), ('2000-05-01', 11), ('2000-06-01', NULL);
SELECT cipred.mase_scale(ts, y, 2) AS lag2, cipred.rmsse_scale(ts, y, 2) AS lag2_sq,
       cipred.mase_scale(ts, y, 12) AS short_uses_lag1, cipred.mase_scale(ts, y, 1) AS lag1
FROM (SELECT * FROM train ORDER BY y DESC) t;
SELECT cipred.mase_scale(extract(epoch FROM ts)::bigint, y, 2) AS by_bigint FROM train;
SELECT cipred.mase_scale(ts, y, 2) IS NULL AS empty_null FROM train WHERE false;

-- support functions called directly with malformed states
SELECT regress.err($$SELECT cipred_internal.mae_final('{1,2}')$$);
SELECT regress.err($$SELECT cipred_internal.mae_final('{1,2,NULL,4,5,6}')$$);
SELECT regress.err($$SELECT cipred_internal.mae_sfunc('{{1,2},{3,4}}', 1, 2)$$);
SELECT regress.err($$SELECT cipred_internal.metric_combine('{0,0,0,0,0,0}', '{}')$$);
SELECT cipred_internal.mae_final(cipred_internal.metric_combine(cipred_internal.mae_sfunc('{0,0,0,0,0,0}', 1, 3),
                                              cipred_internal.mae_sfunc('{0,0,0,0,0,0}', 2, 2))) AS direct;

-- bad input
SELECT q, regress.err(q) FROM (VALUES
  ($$SELECT cipred.mae(a, f) FROM (VALUES (1, 'NaN'::float8)) v(a, f)$$),
  ($$SELECT cipred.rmse(a, f) FROM (VALUES ('Infinity'::float8, 1)) v(a, f)$$),
  ($$SELECT cipred.mae(a, f) FROM (VALUES (1e308, -1e308), (1e308, -1e308)) v(a, f)$$),
  ($$SELECT cipred.mse(a, f) FROM (VALUES (1e200, 0)) v(a, f)$$),
  ($$SELECT cipred.mase(1, 2, 'NaN')$$),
  ($$SELECT cipred.mape(a, f) FROM (VALUES (0, 1), (1, 1)) v(a, f)$$),
  ($$SELECT cipred.wape(a, f) FROM (VALUES (0, 1), (0, 0)) v(a, f)$$),
  ($$SELECT cipred.mase(1, 2, 0)$$),
  ($$SELECT cipred.rmsse(1, 2, -1)$$),
  ($$SELECT cipred.pinball(1, 2, 1.5)$$),
  ($$SELECT cipred.pinball(1, 2, 0)$$),
  ($$SELECT cipred.coverage(1, 3, 2)$$),
  ($$SELECT cipred.winkler(1, 0, 2, 0.95)$$),
  ($$SELECT cipred.winkler(1, 0, 2, 100)$$),
  ($$SELECT cipred.winkler(1, 3, 2, 95)$$),
  ($$SELECT cipred.mase_scale(ts, y, 2) FROM (VALUES ('2000-01-01'::timestamptz, 1), ('2000-01-01', 2)) v(ts, y)$$),
  ($$SELECT cipred.mase_scale(ts, y, 2) FROM (VALUES ('2000-01-01'::timestamptz, 1)) v(ts, y)$$),
  ($$SELECT cipred.mase_scale(ts, y, 0) FROM (VALUES ('2000-01-01'::timestamptz, 1)) v(ts, y)$$),
  ($$SELECT cipred.mase_scale(ts, y, p) FROM (VALUES ('2000-01-01'::timestamptz, 1, 2), ('2000-01-02', 1, 3)) v(ts, y, p)$$),
  ($$SELECT cipred.mase_scale(ts, y, NULL) FROM (VALUES ('2000-01-01'::timestamptz, 1)) v(ts, y)$$),
  ($$SELECT cipred.rmsse_scale(ts, y, 1) FROM (VALUES ('2000-01-01'::timestamptz, 'NaN'::float8)) v(ts, y)$$),
  ($$SELECT cipred.rmsse_scale(ts, y, 1) FROM (VALUES ('infinity'::timestamptz, 1)) v(ts, y)$$)
) t(q);

-- full messages for a few
SELECT cipred.mape(a, f) FROM (VALUES (0, 1)) v(a, f);
SELECT cipred.winkler(5, 4, 6, 0.8);
SELECT cipred.mase(a, f, s) FROM (VALUES (1, 2, 0)) v(a, f, s);
SELECT cipred.mase_scale(ts, y, 12) FROM (VALUES ('1949-01-01'::timestamptz, 1), ('1949-01-01', 2)) v(ts, y);
