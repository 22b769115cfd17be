-- stack: static combinations of forecasts fitted on out-of-fold rows
SET extra_float_digits = 0;

-- three experts: the actual is exactly 0.3 f1 + 0.7 f2; f3 is noise
CREATE TEMP TABLE oof AS
SELECT i, 0.3 * f1 + 0.7 * f2 AS actual, ARRAY[f1, f2, f3] AS f
FROM (SELECT i, 100 + 10 * sin(i) AS f1, 100 + 10 * cos(i / 3.0) AS f2, 100 + 20 * sin(i * 7.1) AS f3
      FROM generate_series(1, 500) i) x;
SELECT m, cipred.model_kind(c), (SELECT array_agg(round(w::numeric, 4)) FROM jsonb_array_elements_text(cipred.model_info(c)->'weights') w) AS weights,
       round((cipred.model_info(c)->>'train_mse')::numeric, 6) AS train_mse
FROM (SELECT m, cipred.combination(actual, f, m) AS c FROM oof, unnest('{mean,median,convex,ridge}'::text[]) m GROUP BY m) x
ORDER BY m;
-- ridge with a penalty shrinks; the combined forecast of a row
SELECT round(((cipred.model_info(cipred.combination(actual, f, 'ridge', '{"lambda": 1e7}'))->'weights'->>0))::numeric, 4) AS shrunk_w1
FROM oof;
SELECT round(cipred.combine((SELECT cipred.combination(actual, f, 'convex') FROM oof), ARRAY[100, 200, 50])::numeric, 4) AS convex,
       cipred.combine((SELECT cipred.combination(actual, f, 'median') FROM oof), ARRAY[100, 200, 50]) AS median,
       round(cipred.combine((SELECT cipred.combination(actual, f, 'mean') FROM oof), ARRAY[100, 200, 60])::numeric, 4) AS mean;
-- convex weights beat every single expert and the mean in sample
SELECT (cipred.model_info(c)->>'train_mse')::float8 < 1e-6 AS exact,
       (SELECT min(mse) FROM (SELECT cipred.mse(actual, f[j]) AS mse FROM oof, generate_series(1, 3) j GROUP BY j) s) > 1 AS singles_worse
FROM (SELECT cipred.combination(actual, f, 'convex') AS c FROM oof) x;
-- NULL rows are skipped; no rows give NULL; the text form round-trips
SELECT cipred.combination(actual, f, 'convex') IS NULL AS empty FROM oof WHERE false;
SELECT (SELECT cipred.combination(a, f, 'mean') FROM (VALUES (1.0, ARRAY[1.0, 2.0]), (NULL, ARRAY[1.0, 2.0]), (2.0, ARRAY[NULL, 1.0]::float8[])) v(a, f))::text::cipred.model IS NOT NULL AS round_trip;
-- parallel-safe pieces: the same weights from any row order
SELECT bool_and(abs(a.w::float8 - b.w::float8) < 1e-9) AS order_free
FROM jsonb_array_elements_text(cipred.model_info((SELECT cipred.combination(actual, f, 'convex') FROM (SELECT * FROM oof ORDER BY i DESC) a))->'weights') WITH ORDINALITY a(w, k)
JOIN jsonb_array_elements_text(cipred.model_info((SELECT cipred.combination(actual, f, 'convex') FROM (SELECT * FROM oof ORDER BY i) b))->'weights') WITH ORDINALITY b(w, k) USING (k);

-- bad input
SELECT q, regress.err(q) FROM (VALUES
  ($$SELECT cipred.combination(actual, f, 'vote') FROM oof$$),
  ($$SELECT cipred.combination(actual, f, NULL) FROM oof$$),
  ($$SELECT cipred.combination(actual, f, 'convex', '{"lambda": 1}') FROM oof$$),
  ($$SELECT cipred.combination(actual, f, 'ridge', '{"lambda": -1}') FROM oof$$),
  ($$SELECT cipred.combination(actual, f, 'ridge', '{"alpha": 1}') FROM oof$$),
  ($$SELECT cipred.combination(a, f, 'mean') FROM (VALUES (1.0, ARRAY[1.0, 2.0]), (2.0, ARRAY[1.0])) v(a, f)$$),
  ($$SELECT cipred.combination(a, f, 'mean') FROM (VALUES ('NaN'::float8, ARRAY[1.0, 2.0])) v(a, f)$$),
  ($$SELECT cipred.combination(a, f, 'mean') FROM (VALUES (1.0, ARRAY['Infinity'::float8, 2.0])) v(a, f)$$),
  ($$SELECT cipred.combination(a, f, 'mean') FROM (VALUES (1.0, ARRAY[[1.0, 2.0]])) v(a, f)$$),
  ($$SELECT cipred.combine((SELECT cipred.combination(actual, f, 'convex') FROM oof), ARRAY[1.0, 2.0])$$),
  ($$SELECT cipred.combine((SELECT cipred.fit(t, 1.0, 'naive') FROM generate_series('2024-01-01'::timestamptz, '2024-01-05', '1 day') t), ARRAY[1.0])$$),
  ($$SELECT jsonb_set(c::text::jsonb, '{method}', '"vote"')::text::cipred.model FROM (SELECT cipred.combination(actual, f, 'mean') AS c FROM oof) x$$)
) t(q);
